import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationError } from '../problems/problem.errors';

/** `:id` of a document route: a UUID, or a 400 naming the field. */
export const DocumentId = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationError([{ field: 'id', reason: 'must be a UUID' }]),
});
