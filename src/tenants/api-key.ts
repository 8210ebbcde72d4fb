import { createHash, randomBytes } from 'node:crypto';

/** `dsk_` + 43 base64url characters: 256 random bits, recognisable in logs and secret scanners. */
const PREFIX = 'dsk_';
const SHAPE = /^dsk_[A-Za-z0-9_-]{43}$/;

export const ApiKey = {
  generate(): string {
    return PREFIX + randomBytes(32).toString('base64url');
  },

  /** Whether `value` can be a key at all; anything else is rejected without a database lookup. */
  isWellFormed(value: string): boolean {
    return SHAPE.test(value);
  },

  hash(key: string): Buffer {
    return createHash('sha256').update(key).digest();
  },

  /** The part of a key safe to show: enough to tell keys apart. */
  displayPrefix(key: string): string {
    return key.slice(0, PREFIX.length + 6);
  },
};
