import { createHmac } from 'node:crypto';
import {
  ConsistencyTokens,
  InvalidConsistencyTokenError,
  keyId,
  MAX_CLOCK_SKEW_MS,
} from './consistency-token';

const SECRET = 'consistency-token-spec-secret';
const OLD_SECRET = 'consistency-token-spec-old-secret';
const TTL_MS = 600_000;
const WRITTEN_AT = 1_700_000_000_123;
/** A clock the tests move: a minute after the write unless a test says otherwise. */
let now = WRITTEN_AT + 60_000;
const clock = () => now;
const tokens = new ConsistencyTokens({ secret: SECRET, ttlMs: TTL_MS, now: clock });
const point = { lsn: 0x16_b374d848n, writtenAtMs: WRITTEN_AT };
const token = tokens.issue(point);

beforeEach(() => {
  now = WRITTEN_AT + 60_000;
});

const hmac = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url');

/** Signs `payload` the way the tokens do, to reach the checks that run after the signature's. */
const signed = (payload: string, secret = SECRET) => `${payload}.${hmac(secret, payload)}`;

/** A v2 payload with this key id, position, write time and expiry (base 36 times). */
const v2 = (lsn: string, writtenAt: string, expires: string, secret = SECRET) =>
  signed(`v2.${keyId(secret)}.${lsn}.${writtenAt}.${expires}`, secret);

/** The parse error for `text`, so a test can check its class and message. */
function parseError(text: string, parser = tokens): Error {
  try {
    parser.parse(text);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`expected ${text} to be rejected`);
}

/** `token` with segment `index` passed through `change`. */
const withSegment = (index: number, change: (segment: string) => string) =>
  token
    .split('.')
    .map((segment, i) => (i === index ? change(segment) : segment))
    .join('.');

/** Changes one character of `text` at `index` to another valid base64url/hex/base36 character. */
const flip = (text: string, index: number) =>
  text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe('ConsistencyTokens', () => {
  it('parses the position and the write time back from a token it issued', () => {
    expect(tokens.parse(token)).toEqual(point);
  });

  it('round-trips the first and the last possible WAL positions', () => {
    for (const lsn of [0n, 0xffffffff_ffffffffn]) {
      expect(tokens.parse(tokens.issue({ lsn, writtenAtMs: WRITTEN_AT }))?.lsn).toBe(lsn);
    }
  });

  it('issues an opaque, versioned token: key id, position, write time, expiry, signature', () => {
    expect(token).toMatch(
      /^v2\.[A-Za-z0-9_-]{8}\.16\/B374D848\.[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/,
    );
    const [, kid, , writtenAt, expires] = token.split('.');
    expect(kid).toBe(keyId(SECRET));
    expect(parseInt(expires, 36) - parseInt(writtenAt, 36)).toBe(TTL_MS);
    // The key id names the secret without giving it away.
    expect(token).not.toContain(SECRET);
  });

  it('is accepted by any instance that shares the secret', () => {
    expect(new ConsistencyTokens({ secret: SECRET, ttlMs: 1, now: clock }).parse(token)).toEqual(
      point,
    );
  });

  describe('expiry', () => {
    it('honours a token until its expiry, and ignores it from then on (read as if none was sent)', () => {
      now = WRITTEN_AT + TTL_MS - 1;
      expect(tokens.parse(token)).toEqual(point);
      now = WRITTEN_AT + TTL_MS;
      expect(tokens.parse(token)).toBeUndefined();
    });

    it('keeps the expiry the token was issued with, whatever the checking instance is set to', () => {
      const shortLived = new ConsistencyTokens({ secret: SECRET, ttlMs: 1000, now: clock });
      now = WRITTEN_AT + TTL_MS - 1;
      expect(shortLived.parse(token)).toEqual(point);
    });

    it('refuses a token written more than the clock skew allowance in the future', () => {
      const ahead = tokens.issue({ lsn: 1n, writtenAtMs: now + MAX_CLOCK_SKEW_MS + 1 });
      expect(parseError(ahead).message).toContain('issued in the future');
      const withinSkew = { lsn: 1n, writtenAtMs: now + MAX_CLOCK_SKEW_MS };
      expect(tokens.parse(tokens.issue(withinSkew))).toEqual(withinSkew);
    });

    it('refuses an expiry that was tampered with, e.g. to keep a token forever', () => {
      const tampered = withSegment(4, () => 'zzzzzzzzz');
      expect(parseError(tampered).message).toContain('bad signature');
    });
  });

  describe('key rotation', () => {
    const oldTokens = new ConsistencyTokens({ secret: OLD_SECRET, ttlMs: TTL_MS, now: clock });
    const rotated = new ConsistencyTokens({
      secret: SECRET,
      previousSecrets: [OLD_SECRET],
      ttlMs: TTL_MS,
      now: clock,
    });

    it('accepts tokens of the previous secret during a rotation, and signs with the new one only', () => {
      const inFlight = oldTokens.issue(point);
      expect(rotated.parse(inFlight)).toEqual(point);
      expect(rotated.issue(point).split('.')[1]).toBe(keyId(SECRET));
      // Instances still on the old secret alone cannot check the new tokens: roll out the new
      // secret as previous first, then as current.
      expect(parseError(rotated.issue(point), oldTokens).message).toContain('unknown key');
    });

    it("refuses the old secret's tokens once it is no longer listed", () => {
      expect(parseError(oldTokens.issue(point)).message).toContain('unknown key');
    });

    it('refuses a token that names a known key but is signed with another secret', () => {
      const forged = signed(token.split('.').slice(0, 5).join('.'), OLD_SECRET);
      expect(parseError(forged, rotated).message).toContain('bad signature');
    });
  });

  describe('v1 tokens, issued before key ids and expiry', () => {
    const v1 = (writtenAtMs: number, secret = SECRET) =>
      signed(`v1.16/B374D848.${writtenAtMs.toString(36)}`, secret);

    it('accepts one signed by a known secret for one lifetime after its write', () => {
      expect(tokens.parse(v1(WRITTEN_AT))).toEqual(point);
      now = WRITTEN_AT + TTL_MS;
      expect(tokens.parse(v1(WRITTEN_AT))).toBeUndefined();
    });

    it('refuses one signed with an unknown secret', () => {
      expect(parseError(v1(WRITTEN_AT, 'another-secret-entirely')).message).toContain(
        'bad signature',
      );
    });
  });

  it('rejects a token signed with another secret', () => {
    const forged = new ConsistencyTokens({ secret: 'another-secret', ttlMs: TTL_MS }).issue(point);
    expect(() => tokens.parse(forged)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token whose position was changed, e.g. to force reads onto the primary', () => {
    const tampered = withSegment(2, () => 'FFFFFFFF/FFFFFFFF');
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(tampered).message).toContain('bad signature');
  });

  it('rejects a token whose write time was changed', () => {
    const tampered = withSegment(3, (time) => (parseInt(time, 36) + 1).toString(36));
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(tampered).message).toContain('bad signature');
  });

  it('rejects a token whose signature was changed', () => {
    const tampered = withSegment(5, (signature) => flip(signature, 5));
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
  });

  it('gives the same error for a bad signature of the right length and of the wrong length', () => {
    const rightLength = parseError(withSegment(5, (signature) => flip(signature, 0)));
    const tooShort = parseError(withSegment(5, (signature) => signature.slice(1)));
    const tooLong = parseError(withSegment(5, (signature) => `${signature}A`));
    expect(rightLength).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(rightLength.message).toContain('bad signature');
    for (const wrongLength of [tooShort, tooLong]) {
      expect(wrongLength).toBeInstanceOf(InvalidConsistencyTokenError);
      expect(wrongLength.message).toBe(rightLength.message);
    }
  });

  it.each([
    ['its last character', token.slice(0, -1)],
    ['its signature', token.slice(0, token.lastIndexOf('.'))],
    ['all but the version', 'v2'],
    ['everything', ''],
  ])('rejects a token truncated by %s', (_, truncated) => {
    expect(() => tokens.parse(truncated)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token of another version', () => {
    expect(() => tokens.parse(token.replace(/^v2\./, 'v3.'))).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token with extra segments', () => {
    expect(() => tokens.parse(`${token}.extra`)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token longer than 128 characters before checking anything else', () => {
    const long = v2('0/0', '0'.repeat(130), '0');
    expect(parseError(long)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(long).message).toContain('too long');
  });

  it('rejects a correctly signed token whose position is not an LSN', () => {
    expect(parseError(v2('xyz', '0', '1')).message).toContain('bad position');
  });

  it.each([
    ['empty', ''],
    ['not base 36', '!'],
    ['beyond the safe integers', 'z'.repeat(12)],
  ])('rejects a correctly signed token whose write time or expiry is %s', (_, time) => {
    expect(parseError(v2('0/0', time, '1')).message).toContain('bad time');
    expect(parseError(v2('0/0', '1', time)).message).toContain('bad time');
  });

  it('says in its error what the caller should send instead', () => {
    const { message, name } = parseError('garbage');
    expect(name).toBe('InvalidConsistencyTokenError');
    expect(message).toBe(
      'X-Consistency-Token is not valid (unknown format or version); send the value a write returned, or none.',
    );
  });
});
