import { Omittable, Rules } from '../../http/field-rules';
import { DescriptionRules, NameRules } from './collection-fields';

export class CreateCollectionDto {
  /** 1 to 200 characters. */
  @Rules(NameRules)
  name!: string;

  /** Up to 2000 characters; empty when omitted. */
  @Omittable()
  @Rules(DescriptionRules)
  description?: string;
}
