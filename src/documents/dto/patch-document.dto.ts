import { IsOptional } from 'class-validator';
import { BodyRules, Rules, TagsRules, TitleRules } from './document-fields';

/** PATCH (JSON merge patch): only the fields present change; `null` is not a valid value. */
export class PatchDocumentDto {
  @IsOptional()
  @Rules(TitleRules)
  title?: string;

  @IsOptional()
  @Rules(BodyRules)
  body?: string;

  @IsOptional()
  @Rules(TagsRules)
  tags?: string[];
}
