import { LISTABLE_STATES, type ListableState } from '@docscale/queue';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListJobsQuery {
  /** Which jobs: one of waiting, active, delayed, completed, failed. */
  @IsIn(LISTABLE_STATES, { message: `state must be one of ${LISTABLE_STATES.join(', ')}` })
  state: ListableState = 'failed';

  /** 1 to 100, newest first. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
