/**
 * The OpenAPI descriptions of what every versioned record and every listing page carry (documents,
 * collections, jobs), so the resources describe the same field the same way.
 */
import { ApiProperty } from '@nestjs/swagger';

/** A record's version: the ETag is this number in quotes. */
export const ApiVersion = () =>
  ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    description: 'Increments on every change; the ETag is this number in quotes.',
  });

/** A record's time, RFC 3339 in UTC with the fraction its column keeps. */
export const ApiTimestamp = (fraction: 'milliseconds' | 'microseconds') =>
  ApiProperty({
    type: String,
    format: 'date-time',
    description: `RFC 3339 in UTC, with ${fraction}.`,
    example:
      fraction === 'milliseconds' ? '2026-12-06T09:15:02.123Z' : '2026-12-06T09:15:02.123456Z',
  });

/** A listing page's way on: the cursor of the next page. */
export const ApiNextCursor = () =>
  ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  });
