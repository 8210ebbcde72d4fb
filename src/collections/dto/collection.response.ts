import { ApiProperty } from '@nestjs/swagger';
import { ApiNextCursor, ApiTimestamp, ApiVersion } from '../../http/record-properties';

/** A collection as the API returns it (and as the cache stores it: plain JSON, no Date). */
export class CollectionResponse {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, minLength: 1, maxLength: 200 })
  name!: string;

  @ApiProperty({ type: String, maxLength: 2000 })
  description!: string;

  @ApiVersion()
  version!: number;

  @ApiTimestamp('milliseconds')
  createdAt!: string;

  @ApiTimestamp('milliseconds')
  updatedAt!: string;
}

export class CollectionPage {
  @ApiProperty({ type: () => [CollectionResponse] })
  items!: CollectionResponse[];

  @ApiNextCursor()
  nextCursor!: string | null;
}
