import {
  ArgumentMetadata,
  ValidationError as ClassValidatorError,
  ValidationPipe,
} from '@nestjs/common';
import { FieldViolation, ValidationError } from './problem.errors';

/**
 * DTO validation for every route: unknown properties are rejected (a typo must not be silently
 * ignored), and each violation names its field by JSON path and says why.
 */
class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A JSON body of `null`, `"text"` or `[...]` parses fine but is no document: say so plainly.
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (metadata.type === 'body' && !isObject) {
      throw new ValidationError([{ field: '(body)', reason: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationError(flatten(errors)),
  });
}

function flatten(errors: ClassValidatorError[], parent = ''): FieldViolation[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
