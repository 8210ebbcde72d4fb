import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { NotContains, ValidateBy, ValidateIf } from 'class-validator';
import { ValidationError } from '../problems/problem.errors';

/** Postgres text cannot hold U+0000: refused here as a 400, or the INSERT would fail with a 500. */
export const noNul = () => NotContains('\u0000', { message: '$property must not contain U+0000' });

/** A lone UTF-16 surrogate ("\ud800") parses as JSON but is no text: it would be stored as U+FFFD. */
export const wellFormed = () =>
  ValidateBy({
    name: 'isWellFormedUnicode',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'string' || (value as string & { isWellFormed(): boolean }).isWellFormed(),
      defaultMessage: () => '$property must be well-formed Unicode (no lone surrogates)',
    },
  });

/** Applies a list of property decorators as one. */
export function Rules(rules: () => PropertyDecorator[]): PropertyDecorator {
  return (target, key) => rules().forEach((decorate) => decorate(target, key));
}

/**
 * Optional, but not nullable: unlike `@IsOptional()`, which also lets `null` through, a field
 * sent as `null` is validated (and refused) like any other value.
 */
export const Omittable = (): PropertyDecorator =>
  applyDecorators(
    ValidateIf((_, value) => value !== undefined),
    ApiProperty({ required: false }),
  );

/** A JSON merge patch must change something: `{}` (or only absent fields) is refused. */
export function requireChange(patch: object): void {
  if (Object.values(patch).every((value) => value === undefined)) {
    throw new ValidationError([{ field: '(body)', reason: 'must change at least one field' }]);
  }
}
