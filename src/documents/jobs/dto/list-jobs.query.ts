import { LISTABLE_STATES, type ListableState } from '@docscale/queue';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../../http/page.query';

/** Newest first, paged (PageQuery). */
export class ListJobsQuery extends PageQuery {
  /** Only jobs in this state; absent: every state. */
  @ApiPropertyOptional({
    enum: LISTABLE_STATES,
    description:
      'Only jobs in this state (absent: every state). A filtered page can hold fewer than `limit` jobs, even none, and still have a `nextCursor`: follow it until it is null.',
  })
  @IsOptional()
  @IsIn(LISTABLE_STATES, { message: `state must be one of ${LISTABLE_STATES.join(', ')}` })
  state?: ListableState;
}
