import { LISTABLE_STATES, type ListableState } from '@docscale/queue';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ListJobsQuery {
  /** Only jobs in this state; absent: every state. */
  @ApiPropertyOptional({
    enum: LISTABLE_STATES,
    description:
      'Only jobs in this state (absent: every state). A filtered page can hold fewer than `limit` jobs, even none, and still have a `nextCursor`: follow it until it is null.',
  })
  @IsOptional()
  @IsIn(LISTABLE_STATES, { message: `state must be one of ${LISTABLE_STATES.join(', ')}` })
  state?: ListableState;

  /** 1 to 100, newest first. */
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** `nextCursor` of the previous page; absent for the first page. */
  @ApiPropertyOptional({
    type: String,
    maxLength: 200,
    description: '`nextCursor` of the previous page; absent for the first page.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
