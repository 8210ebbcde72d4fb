import { InvalidCursorError } from '../problems/problem.errors';
import { PageCursor } from './page-cursor';

const position = {
  createdAt: '2024-05-06T07:08:09.123456Z',
  id: '0b9d2c7e-4f1a-4c3b-9e8d-7a6b5c4d3e2f',
};

/** A cursor carrying `value` as its JSON, the way a client could forge one. */
const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('PageCursor', () => {
  it('round-trips a position, keeping the microseconds', () => {
    expect(PageCursor.parse(PageCursor.encode(position))).toEqual(position);
  });

  it('encodes to URL-safe characters only', () => {
    expect(PageCursor.encode(position)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('accepts a forged cursor of the right shape (it is a position, not a secret)', () => {
    expect(PageCursor.parse(forge([position.createdAt, position.id]))).toEqual(position);
  });

  it.each([
    ['garbage', 'bm90LWEtY3Vyc29y'],
    ['an empty string', ''],
    ['characters outside base64', '!!!***'],
    ['an object instead of a pair', forge(position)],
    ['a pair of numbers', forge([1, 2])],
    ['a single element', forge([position.createdAt])],
    ['three elements', forge([position.createdAt, position.id, 'x'])],
    ['null', forge(null)],
    ['a bad uuid', forge([position.createdAt, 'not-a-uuid'])],
    ['an upper-case uuid', forge([position.createdAt, position.id.toUpperCase()])],
    ['a millisecond timestamp', forge(['2024-05-06T07:08:09.123Z', position.id])],
    ['a timestamp with an offset', forge(['2024-05-06T07:08:09.123456+02:00', position.id])],
    ['a date only', forge(['2024-05-06', position.id])],
  ])('refuses %s with InvalidCursorError', (_case, cursor) => {
    expect(() => PageCursor.parse(cursor)).toThrow(InvalidCursorError);
  });

  // A shape check alone lets impossible instants through; Postgres would then fail the listing
  // query ("date/time field value out of range") and the client would get a 500.
  it.each([
    ['month 13', '2024-13-06T07:08:09.123456Z'],
    ['February 30th', '2024-02-30T07:08:09.123456Z'],
    ['minute 61', '2024-05-06T07:61:09.123456Z'],
  ])('refuses an impossible timestamp (%s) with InvalidCursorError', (_case, createdAt) => {
    expect(() => PageCursor.parse(forge([createdAt, position.id]))).toThrow(InvalidCursorError);
  });
});
