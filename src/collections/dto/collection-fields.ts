import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, NotContains } from 'class-validator';

// Postgres text cannot hold U+0000: refused here as a 400, or the INSERT would fail with a 500.
const noNul = () => NotContains('\u0000', { message: '$property must not contain U+0000' });

/** Field rules shared by create and patch, each also describing its field in OpenAPI. */
export const NameRules = () => [
  ApiProperty({ type: String, minLength: 1, maxLength: 200, description: 'The name.' }),
  IsString(),
  MinLength(1),
  MaxLength(200),
  noNul(),
];
export const DescriptionRules = () => [
  ApiProperty({ type: String, maxLength: 2000, description: 'What the collection is for.' }),
  IsString(),
  MaxLength(2000),
  noNul(),
];
