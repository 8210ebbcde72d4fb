import { ArgumentMetadata, ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { ValidationError } from '../problems/problem.errors';
import { ApiParam } from '@nestjs/swagger';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationError([{ field: 'id', reason: 'must be a UUID' }]),
});

/**
 * `:id` of a document route: a UUID, lower-cased (the form Postgres returns, and the one cache
 * keys and job ids are built from), or a 400 naming the field.
 */
export const DocumentId: PipeTransform<string, Promise<string>> = {
  async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return ((await uuid.transform(value, metadata)) as string).toLowerCase();
  },
};

/** The `:id` of every document route, as the OpenAPI document describes it. */
export const ApiDocumentId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The document.' });
