import { ArgumentMetadata, ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidationError } from '../problems/problem.errors';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationError([{ field: 'id', reason: 'must be a UUID' }]),
});

/**
 * `:id` of a record's route (a document, a collection, an API key): a UUID, lower-cased (the form
 * Postgres returns, and the one cache keys and job ids are built from), or a 400 naming the field.
 */
export const ResourceId: PipeTransform<string, Promise<string>> = {
  async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return ((await uuid.transform(value, metadata)) as string).toLowerCase();
  },
};

/** The `:id` of a record's routes, as the OpenAPI document describes it: `The <noun>.` */
export const ApiResourceId = (noun: string) =>
  ApiParam({ name: 'id', format: 'uuid', description: `The ${noun}.` });
