import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { noNul, wellFormed } from '../../http/field-rules';

/** Field rules shared by create and patch, each also describing its field in OpenAPI. */
export const NameRules = () => [
  ApiProperty({ type: String, minLength: 1, maxLength: 200, description: 'The name.' }),
  IsString(),
  MinLength(1),
  MaxLength(200),
  noNul(),
  wellFormed(),
];
export const DescriptionRules = () => [
  ApiProperty({ type: String, maxLength: 2000, description: 'What the collection is for.' }),
  IsString(),
  MaxLength(2000),
  noNul(),
  wellFormed(),
];
