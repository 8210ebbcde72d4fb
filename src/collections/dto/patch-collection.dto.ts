import { Omittable, Rules } from '../../http/field-rules';
import { DescriptionRules, NameRules } from './collection-fields';

/** PATCH (JSON merge patch): only the fields present change; `null` is not a valid value. */
export class PatchCollectionDto {
  @Omittable()
  @Rules(NameRules)
  name?: string;

  @Omittable()
  @Rules(DescriptionRules)
  description?: string;
}
