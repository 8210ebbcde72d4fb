import { ApiPropertyOptional } from '@nestjs/swagger';
import { TAG_PATTERN } from './document-fields';
import { PageQuery } from '../../http/page.query';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class ListDocumentsQuery extends PageQuery {
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
