import { createHmac } from 'node:crypto';
import { ConsistencyTokens, InvalidConsistencyTokenError } from './consistency-token';

const SECRET = 'consistency-token-spec-secret';
const tokens = new ConsistencyTokens(SECRET);
const point = { lsn: 0x16_b374d848n, writtenAtMs: 1_700_000_000_123 };
const token = tokens.issue(point);

/** Signs `payload` the way the tokens do, to reach the checks that run after the signature's. */
const signed = (payload: string) =>
  `${payload}.${createHmac('sha256', SECRET).update(payload).digest().subarray(0, 16).toString('base64url')}`;

/** The parse error for `text`, so a test can check its class and message. */
function parseError(text: string): Error {
  try {
    tokens.parse(text);
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
      expect(tokens.parse(tokens.issue({ lsn, writtenAtMs: 0 })).lsn).toBe(lsn);
    }
  });

  it('issues an opaque, versioned token of four dot-separated segments', () => {
    expect(token).toMatch(/^v1\.16\/B374D848\.[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
  });

  it('is accepted by any instance that shares the secret', () => {
    expect(new ConsistencyTokens(SECRET).parse(token)).toEqual(point);
  });

  it('rejects a token signed with another secret', () => {
    const forged = new ConsistencyTokens('another-secret').issue(point);
    expect(() => tokens.parse(forged)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token whose position was changed, e.g. to force reads onto the primary', () => {
    const tampered = withSegment(1, () => 'FFFFFFFF/FFFFFFFF');
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(tampered).message).toContain('bad signature');
  });

  it('rejects a token whose write time was changed', () => {
    const tampered = withSegment(2, (time) => (parseInt(time, 36) + 1).toString(36));
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(tampered).message).toContain('bad signature');
  });

  it('rejects a token whose signature was changed', () => {
    const tampered = withSegment(3, (signature) => flip(signature, 5));
    expect(parseError(tampered)).toBeInstanceOf(InvalidConsistencyTokenError);
  });

  it('gives the same error for a bad signature of the right length and of the wrong length', () => {
    const rightLength = parseError(withSegment(3, (signature) => flip(signature, 0)));
    const tooShort = parseError(withSegment(3, (signature) => signature.slice(1)));
    const tooLong = parseError(withSegment(3, (signature) => `${signature}A`));
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
    ['all but the version', 'v1'],
    ['everything', ''],
  ])('rejects a token truncated by %s', (_, truncated) => {
    expect(() => tokens.parse(truncated)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token of another version', () => {
    expect(() => tokens.parse(token.replace(/^v1\./, 'v2.'))).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token with extra segments', () => {
    expect(() => tokens.parse(`${token}.extra`)).toThrow(InvalidConsistencyTokenError);
  });

  it('rejects a token longer than 128 characters before checking anything else', () => {
    const long = signed(`v1.0/0.${'0'.repeat(130)}`);
    expect(parseError(long)).toBeInstanceOf(InvalidConsistencyTokenError);
    expect(parseError(long).message).toContain('too long');
  });

  it('rejects a correctly signed token whose position is not an LSN', () => {
    expect(parseError(signed('v1.xyz.0')).message).toContain('bad position');
  });

  it.each([
    ['empty', ''],
    ['not base 36', '!'],
    ['beyond the safe integers', 'z'.repeat(12)],
  ])('rejects a correctly signed token whose write time is %s', (_, time) => {
    expect(parseError(signed(`v1.0/0.${time}`)).message).toContain('bad time');
  });

  it('says in its error what the caller should send instead', () => {
    const { message, name } = parseError('garbage');
    expect(name).toBe('InvalidConsistencyTokenError');
    expect(message).toBe(
      'X-Consistency-Token is not valid (unknown format or version); send the value a write returned, or none.',
    );
  });
});
