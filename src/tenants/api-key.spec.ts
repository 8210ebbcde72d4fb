import { createHash } from 'node:crypto';
import { ApiKey } from './api-key';

describe('ApiKey', () => {
  it('generates keys of the documented shape that isWellFormed accepts', () => {
    const key = ApiKey.generate();

    expect(key).toMatch(/^dsk_[A-Za-z0-9_-]{43}$/);
    expect(ApiKey.isWellFormed(key)).toBe(true);
  });

  it('generates a different key each time', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => ApiKey.generate()));

    expect(keys.size).toBe(1000);
  });

  it('carries 256 random bits in each key', () => {
    const random = Buffer.from(ApiKey.generate().slice('dsk_'.length), 'base64url');

    expect(random).toHaveLength(32);
  });

  it('hashes with SHA-256', () => {
    const key = ApiKey.generate();

    expect(ApiKey.hash(key)).toEqual(createHash('sha256').update(key).digest());
    expect(ApiKey.hash(key)).toHaveLength(32);
  });

  it('hashes a key to the same digest every time, and different keys to different digests', () => {
    const key = 'dsk_' + 'a'.repeat(43);

    expect(ApiKey.hash(key).toString('hex')).toBe(createHash('sha256').update(key).digest('hex'));
    expect(ApiKey.hash(key)).toEqual(ApiKey.hash(key));
    expect(ApiKey.hash(key)).not.toEqual(ApiKey.hash('dsk_' + 'b'.repeat(43)));
  });

  it.each([
    ['one character short', 'dsk_' + 'a'.repeat(42)],
    ['one character long', 'dsk_' + 'a'.repeat(44)],
    ['another prefix', 'dsx_' + 'a'.repeat(43)],
    ['an upper-case prefix', 'DSK_' + 'a'.repeat(43)],
    ['no prefix', 'a'.repeat(47)],
    ['base64 "+"', 'dsk_' + 'a'.repeat(42) + '+'],
    ['base64 "/"', 'dsk_' + 'a'.repeat(42) + '/'],
    ['padding', 'dsk_' + 'a'.repeat(42) + '='],
    ['a trailing newline', 'dsk_' + 'a'.repeat(43) + '\n'],
    ['a leading space', ' dsk_' + 'a'.repeat(43)],
    ['an empty string', ''],
  ])('rejects a near-miss: %s', (_case, value) => {
    expect(ApiKey.isWellFormed(value)).toBe(false);
  });

  it('shows only the prefix and six characters of a key', () => {
    expect(ApiKey.displayPrefix('dsk_abcdefghijk')).toBe('dsk_abcdef');
  });
});
