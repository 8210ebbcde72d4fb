import { ApiProperty } from '@nestjs/swagger';

const TIMESTAMP = {
  type: String,
  format: 'date-time',
  description: 'RFC 3339 in UTC, with milliseconds.',
  example: '2026-12-06T09:15:02.123Z',
} as const;

/** A collection as the API returns it (and as the cache stores it: plain JSON, no Date). */
export class CollectionResponse {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, minLength: 1, maxLength: 200 })
  name!: string;

  @ApiProperty({ type: String, maxLength: 2000 })
  description!: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    description: 'Increments on every change; the ETag is this number in quotes.',
  })
  version!: number;

  @ApiProperty(TIMESTAMP)
  createdAt!: string;

  @ApiProperty(TIMESTAMP)
  updatedAt!: string;
}

export class CollectionPage {
  @ApiProperty({ type: () => [CollectionResponse] })
  items!: CollectionResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
