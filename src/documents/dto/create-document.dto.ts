import { Omittable, Rules } from '../../http/field-rules';
import { BodyRules, TagsRules, TitleRules } from './document-fields';

export class CreateDocumentDto {
  /** The document's title, 1 to 500 characters. */
  @Rules(TitleRules)
  title!: string;

  /** The text of the document, up to DOCUMENT_BODY_MAX_BYTES (1 MiB) in UTF-8. */
  @Rules(BodyRules)
  body!: string;

  /** Up to 32 distinct lower-case tags. */
  @Omittable()
  @Rules(TagsRules)
  tags?: string[];
}
