import { Omittable, Rules } from '../../http/field-rules';
import { BodyRules, TagsRules, TitleRules } from './document-fields';

/** PATCH (JSON merge patch): only the fields present change; `null` is not a valid value. */
export class PatchDocumentDto {
  @Omittable()
  @Rules(TitleRules)
  title?: string;

  @Omittable()
  @Rules(BodyRules)
  body?: string;

  @Omittable()
  @Rules(TagsRules)
  tags?: string[];
}
