import 'reflect-metadata';
import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsString, MinLength, ValidateNested } from 'class-validator';
import { CreateDocumentDto } from '../documents/dto/create-document.dto';
import { ListDocumentsQuery } from '../documents/dto/list-documents.query';
import { PatchDocumentDto } from '../documents/dto/patch-document.dto';
import { ReplaceDocumentDto } from '../documents/dto/replace-document.dto';
import { FieldViolation, ValidationError } from './problem.errors';
import { createValidationPipe } from './validation.pipe';

const pipe = createValidationPipe();
const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
});
const query: ArgumentMetadata = { type: 'query', metatype: ListDocumentsQuery };

/** The violations the pipe reports for `value`; fails the test when the value passes. */
async function violationsOf(value: unknown, metadata: ArgumentMetadata): Promise<FieldViolation[]> {
  try {
    await pipe.transform(value, metadata);
  } catch (err) {
    if (err instanceof ValidationError) return err.violations;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

class Author {
  @IsString()
  @MinLength(2)
  name!: string;
}

/** Only for the nested-path behaviour: no docscale DTO nests objects (yet). */
class WithAuthor {
  @ValidateNested()
  @Type(() => Author)
  author!: Author;
}

describe('createValidationPipe', () => {
  it('transforms a valid body into an instance of the DTO', async () => {
    const dto = await pipe.transform(
      { title: 'Runbook', body: 'Restart it.', tags: ['ops'] },
      body(CreateDocumentDto),
    );

    expect(dto).toBeInstanceOf(CreateDocumentDto);
    expect(dto).toEqual({ title: 'Runbook', body: 'Restart it.', tags: ['ops'] });
  });

  it('refuses an unknown property, naming it', async () => {
    const violations = await violationsOf(
      { title: 't', body: 'b', colour: 'red' },
      body(CreateDocumentDto),
    );

    expect(violations).toEqual([{ field: 'colour', reason: expect.stringContaining('colour') }]);
  });

  it('names a missing required field', async () => {
    const violations = await violationsOf({ title: 't' }, body(ReplaceDocumentDto));

    expect(violations).toEqual([{ field: 'body', reason: 'body must be a string' }]);
  });

  it('reports one reason per failing field: the first rule it breaks', async () => {
    const violations = await violationsOf(
      { title: '', body: 'b', tags: ['Bad Tag', 'Bad Tag'] },
      body(CreateDocumentDto),
    );

    expect(violations.map((v) => v.field).sort()).toEqual(['tags', 'title']);
    expect(violations.every((v) => v.reason.length > 0)).toBe(true);
  });

  it('names a nested field by its JSON path', async () => {
    const violations = await violationsOf({ author: { name: 'x' } }, body(WithAuthor));

    expect(violations).toEqual([{ field: 'author.name', reason: expect.any(String) }]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ title: 't', body: 'b' }]],
    ['a string', 'title'],
    ['a number', 42],
  ])('refuses %s as a body, naming the field (body)', async (_case, value) => {
    expect(await violationsOf(value, body(CreateDocumentDto))).toEqual([
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  });

  it('says a missing body (none sent, or an empty one) is missing', async () => {
    expect(await violationsOf(undefined, body(CreateDocumentDto))).toEqual([
      { field: '(body)', reason: 'is missing: send a JSON object' },
    ]);
  });

  it('coerces the listing limit from its query string', async () => {
    const parsed = (await pipe.transform({ limit: '5' }, query)) as ListDocumentsQuery;

    expect(parsed).toBeInstanceOf(ListDocumentsQuery);
    expect(parsed.limit).toBe(5);
  });

  it('defaults the listing limit to 20', async () => {
    const parsed = (await pipe.transform({}, query)) as ListDocumentsQuery;

    expect(parsed.limit).toBe(20);
  });

  it.each(['0', '101', '2.5', 'ten'])('refuses the listing limit %s', async (limit) => {
    const violations = await violationsOf({ limit }, query);

    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.field === 'limit')).toBe(true);
  });

  it('refuses an unknown query parameter, naming it', async () => {
    expect(await violationsOf({ limit: '5', sort: 'asc' }, query)).toEqual([
      { field: 'sort', reason: expect.stringContaining('sort') },
    ]);
  });

  it('accepts a patch that sets only some fields', async () => {
    const dto = await pipe.transform({ tags: ['final'] }, body(PatchDocumentDto));

    expect(dto).toBeInstanceOf(PatchDocumentDto);
    expect(dto).toEqual({ tags: ['final'] });
  });

  // @IsOptional() would let null through too, and the repository's COALESCE would then turn it
  // into a no-op that still bumps the version: the DTOs use Omittable() instead.
  it.each(['title', 'body', 'tags'])(
    'refuses null for the patch field %s, naming it',
    async (field) => {
      const violations = await violationsOf({ [field]: null }, body(PatchDocumentDto));

      expect(violations.map((v) => v.field)).toContain(field);
    },
  );
});
