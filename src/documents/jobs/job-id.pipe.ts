import { PipeTransform } from '@nestjs/common';
import { ValidationError } from '../../problems/problem.errors';

/** Job ids are ours (`index-<uuid>-v<n>`, `export-<uuid>-v<n>-html`): anything else is a 400. */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const JOB_ID = new RegExp(`^(index-${UUID}-v\\d{1,9}|export-${UUID}-v\\d{1,9}-html)$`);

export const JobId: PipeTransform<string, string> = {
  transform(value: string): string {
    if (!JOB_ID.test(value))
      throw new ValidationError([{ field: 'id', reason: 'must be a job id' }]);
    return value;
  },
};
