import { InvalidCursorError } from '../problems/problem.errors';

/** Position after the last row of a page: its (createdAt, id), the listing's sort key. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

// Year 0000 parses in JavaScript but not in Postgres (which has no year zero).
const ISO_MICROS = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface KeysetCursor {
  encode(position: PagePosition): string;
  /** The position, or InvalidCursorError (a 400) for anything this API did not issue. */
  parse(cursor: string): PagePosition;
}

/**
 * Keyset cursors over (createdAt, id), for ids of the shape `id` matches (whole string). The
 * timestamp keeps Postgres' microseconds: a JavaScript Date would round to milliseconds, and two
 * rows created in the same millisecond would then be skipped or repeated.
 */
export const keysetCursor = (id: RegExp): KeysetCursor => ({
  encode(position: PagePosition): string {
    return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
  },

  parse(cursor: string): PagePosition {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw new InvalidCursorError();
    }
    if (
      !Array.isArray(value) ||
      value.length !== 2 ||
      typeof value[0] !== 'string' ||
      typeof value[1] !== 'string' ||
      !ISO_MICROS.test(value[0]) ||
      !isRealInstant(value[0]) ||
      !id.test(value[1])
    ) {
      throw new InvalidCursorError();
    }
    return { createdAt: value[0], id: value[1] };
  },
});

/** The cursor of a listing of records with UUID ids (documents, collections). */
export const PageCursor = keysetCursor(UUID);

/** The shape alone lets through month 13 or 25:61, which Postgres would then refuse (a 500). */
function isRealInstant(iso: string): boolean {
  const ms = Date.parse(iso);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === iso.slice(0, 19);
}
