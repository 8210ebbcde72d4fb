import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class ListDocumentsQuery {
  /** Page size, 1 to 100. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** `nextCursor` of the previous page; absent for the first page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  /** Only documents carrying this tag. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'tag must be a valid tag' })
  tag?: string;
}
