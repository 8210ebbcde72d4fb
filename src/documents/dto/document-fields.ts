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
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

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

/**
 * Field rules shared by create, replace and patch, so the three cannot drift apart; each also
 * describes its field in the OpenAPI document with the same constraints.
 */
export const TitleRules = () => [
  ApiProperty({ type: String, minLength: 1, maxLength: 500, description: 'The title.' }),
  IsString(),
  MinLength(1),
  MaxLength(500),
  noNul(),
  wellFormed(),
];
export const BodyRules = () => [
  ApiProperty({
    type: String,
    description:
      'The text, up to DOCUMENT_BODY_MAX_BYTES (1 MiB by default) in UTF-8; no U+0000, no lone surrogates.',
  }),
  IsString(),
  noNul(),
  wellFormed(),
];
export const TagsRules = () => [
  ApiProperty({
    type: [String],
    maxItems: 32,
    uniqueItems: true,
    description: 'Distinct lower-case tags.',
    items: { type: 'string', pattern: TAG_PATTERN.source },
  }),
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
export const Omittable = (): PropertyDecorator =>
  applyDecorators(
    ValidateIf((_, value) => value !== undefined),
    ApiProperty({ required: false }),
  );
