import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { noNul, wellFormed } from '../../http/field-rules';

/** A tag: 1-64 characters of a-z, 0-9, ".", "_" or "-", starting alphanumeric. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

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
