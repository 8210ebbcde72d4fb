import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationError } from '../../problems/problem.errors';
import { JobId } from './job-id.pipe';

const UUID = '8f14e45f-ceea-467f-a0e6-2f1b5a9c0d11';
const PARAM: ArgumentMetadata = { type: 'param', data: 'id' };

/** The ValidationError the pipe throws for `value`; fails the test when it accepts it. */
function refusal(value: string): ValidationError {
  try {
    JobId.transform(value, PARAM);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('JobId pipe', () => {
  it('accepts an index job id and returns it unchanged', () => {
    expect(JobId.transform(`index-${UUID}-v3`, PARAM)).toBe(`index-${UUID}-v3`);
  });

  it('accepts an export job id and returns it unchanged', () => {
    expect(JobId.transform(`export-${UUID}-v12-html`, PARAM)).toBe(`export-${UUID}-v12-html`);
  });

  it('accepts versions up to nine digits', () => {
    expect(JobId.transform(`index-${UUID}-v999999999`, PARAM)).toBe(`index-${UUID}-v999999999`);
  });

  it('refuses with a violation naming the id field', () => {
    expect(refusal('nope').violations).toEqual([{ field: 'id', reason: 'must be a job id' }]);
  });

  it.each([
    ['an empty id', ''],
    ['a bare UUID', UUID],
    ['an unknown job name', `reindex-${UUID}-v3`],
    ['a job name in upper case', `INDEX-${UUID}-v3`],
    ['a UUID in upper case', `index-${UUID.toUpperCase()}-v3`],
    ['a malformed UUID', `index-${UUID.slice(1)}-v3`],
    ['no version', `index-${UUID}`],
    ['a version without digits', `index-${UUID}-v`],
    ['a version of ten digits', `index-${UUID}-v1234567890`],
    ['another export format', `export-${UUID}-v3-pdf`],
    ['a trailing newline', `index-${UUID}-v3\n`],
    ['a leading space', ` index-${UUID}-v3`],
    ['a path', `../index-${UUID}-v3`],
    ['an id with a suffix', `index-${UUID}-v3-html-x`],
  ])('refuses %s', (_label, value) => {
    expect(refusal(value)).toBeInstanceOf(ValidationError);
  });
});
