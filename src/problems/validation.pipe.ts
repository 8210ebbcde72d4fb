import {
  ArgumentMetadata,
  ValidationError as ClassValidatorError,
  ValidationPipe,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { depthExceeds, unknownKeys } from './json-shape';
import { FieldViolation, ValidationError } from './problem.errors';

/** No docscale input nests deeper than this; anything deeper is refused before it is walked. */
const MAX_DEPTH = 32;

/**
 * DTO validation for every route: unknown properties are rejected (a typo must not be silently
 * ignored), and each violation names its field by JSON path and says why.
 */
class ProblemValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A JSON body of `null`, `"text"` or `[...]` parses fine but is no document: say so plainly.
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (metadata.type === 'body' && !isObject) {
      const reason =
        value === undefined ? 'is missing: send a JSON object' : 'must be a JSON object';
      throw new ValidationError([{ field: '(body)', reason }]);
    }
    if (depthExceeds(value, MAX_DEPTH)) {
      throw new ValidationError([
        { field: `(${metadata.type})`, reason: `must not nest deeper than ${MAX_DEPTH} levels` },
      ]);
    }
    if (isObject && metadata.metatype && this.hasRules(metadata.metatype)) {
      const unknown = unknownKeys(value, this.declared(metadata.metatype));
      if (unknown.length) {
        throw new ValidationError(
          unknown.map((field) => ({ field, reason: `property ${field} should not exist` })),
        );
      }
    }
    return super.transform(value, metadata);
  }

  private readonly declaredByType = new Map<unknown, Set<string>>();

  private hasRules(type: new (...args: never[]) => unknown): boolean {
    return this.declared(type).size > 0;
  }

  /** The properties a DTO class declares through class-validator decorators. */
  private declared(type: new (...args: never[]) => unknown): Set<string> {
    let names = this.declaredByType.get(type);
    if (!names) {
      const rules = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
      names = new Set(rules.map((rule) => rule.propertyName));
      this.declaredByType.set(type, names);
    }
    return names;
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
