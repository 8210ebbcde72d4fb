import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** The paging of every listing: a page size and the previous page's cursor. */
export class PageQuery {
  /** Page size, 1 to 100. */
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
