import { ApiProperty } from '@nestjs/swagger';

const UUID = { type: String, format: 'uuid' } as const;
const TIMESTAMP = {
  type: String,
  format: 'date-time',
  description: 'RFC 3339 in UTC, with microseconds.',
  example: '2026-12-06T09:15:02.123456Z',
} as const;

/** A document as the API returns it. Timestamps are RFC 3339 in UTC with microseconds. */
export class DocumentResponse {
  @ApiProperty(UUID)
  id!: string;

  @ApiProperty({ type: String, minLength: 1, maxLength: 500 })
  title!: string;

  @ApiProperty({ type: String })
  body!: string;

  @ApiProperty({ type: [String] })
  tags!: string[];

  /** Increments on every change; the ETag is this number in quotes. */
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

/** A listing entry: the document without its body (bodies run to 1 MiB). */
export class DocumentSummary {
  @ApiProperty(UUID)
  id!: string;

  @ApiProperty({ type: String })
  title!: string;

  @ApiProperty({ type: [String] })
  tags!: string[];

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1 })
  version!: number;

  @ApiProperty(TIMESTAMP)
  createdAt!: string;

  @ApiProperty(TIMESTAMP)
  updatedAt!: string;
}

export class DocumentPage {
  @ApiProperty({ type: () => [DocumentSummary] })
  items!: DocumentSummary[];

  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
