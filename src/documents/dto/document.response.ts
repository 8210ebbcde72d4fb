import { ApiProperty } from '@nestjs/swagger';
import { ApiNextCursor, ApiTimestamp, ApiVersion } from '../../http/record-properties';

const UUID = { type: String, format: 'uuid' } as const;

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

  @ApiVersion()
  version!: number;

  @ApiTimestamp('microseconds')
  createdAt!: string;

  @ApiTimestamp('microseconds')
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

  @ApiTimestamp('microseconds')
  createdAt!: string;

  @ApiTimestamp('microseconds')
  updatedAt!: string;
}

export class DocumentPage {
  @ApiProperty({ type: () => [DocumentSummary] })
  items!: DocumentSummary[];

  @ApiNextCursor()
  nextCursor!: string | null;
}
