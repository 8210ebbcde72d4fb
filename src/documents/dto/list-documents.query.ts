import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { TAG_PATTERN } from './document-fields';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export class ListDocumentsQuery {
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

  /** Only documents carrying this tag. */
  @ApiPropertyOptional({
    type: String,
    pattern: TAG_PATTERN.source,
    description: 'Only documents carrying this tag.',
  })
  @IsOptional()
  @Matches(TAG_PATTERN, { message: 'tag must be a valid tag (1-64 of a-z, 0-9, ".", "_", "-")' })
  tag?: string;

  /**
   * Full-text search over the indexed title and body (web search syntax: words, `"a phrase"`,
   * `or`, `-word`). A document is found once its indexing job has run.
   */
  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 200,
    description:
      'Full-text search over title and body (web search syntax: words, `"a phrase"`, `or`, `-word`); a document is found once its indexing job has run.',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}
