import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  NotContains,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/** A tag: 1-64 characters of a-z, 0-9, ".", "_" or "-", starting alphanumeric. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

// Postgres text cannot hold U+0000: refused here as a 400, or the INSERT would fail with a 500.
const noNul = () => NotContains('\u0000', { message: '$property must not contain U+0000' });

// A lone UTF-16 surrogate ("\ud800") parses as JSON but is no text: it would be stored as U+FFFD.
const wellFormed = () =>
  ValidateBy({
    name: 'isWellFormedUnicode',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'string' || (value as string & { isWellFormed(): boolean }).isWellFormed(),
      defaultMessage: () => '$property must be well-formed Unicode (no lone surrogates)',
    },
  });

/** Field rules shared by create, replace and patch, so the three cannot drift apart. */
export const TitleRules = () => [IsString(), MinLength(1), MaxLength(500), noNul(), wellFormed()];
export const BodyRules = () => [IsString(), noNul(), wellFormed()];
export const TagsRules = () => [
  IsArray(),
  ArrayMaxSize(32),
  ArrayUnique(),
  IsString({ each: true }),
  Matches(TAG_PATTERN, {
    each: true,
    message: 'each tag must be 1-64 characters of a-z, 0-9, ".", "_" or "-", starting alphanumeric',
  }),
];

/** Applies a list of property decorators as one. */
export function Rules(rules: () => PropertyDecorator[]): PropertyDecorator {
  return (target, key) => rules().forEach((decorate) => decorate(target, key));
}

/**
 * Optional, but not nullable: unlike `@IsOptional()`, which also lets `null` through, a field
 * sent as `null` is validated (and refused) like any other value.
 */
export const Omittable = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);
