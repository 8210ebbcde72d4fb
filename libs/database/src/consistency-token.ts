/**
 * Read-your-writes tokens.
 *
 * Problem: after a write, the caller's next read may land on a replica that has not replayed it
 * yet, through any instance. Remembering "this user wrote recently" in one process breaks with N
 * instances, and a time window only guesses how far behind the replicas are.
 *
 * Mechanism: a write returns the primary's WAL insert position after its commit; a read that
 * carries it may use a replica only once that replica has replayed past it. The token is opaque
 * to clients, versioned, and signed (HMAC-SHA256, truncated to 128 bits) so that a client cannot
 * forge one, e.g. to force every read onto the primary. It also carries the write time, which the
 * `window` mode uses, an expiry, and the id of the key that signed it. Nothing is stored
 * anywhere: any instance can check any token.
 *
 * Keys rotate without breaking tokens in flight: tokens are signed with the current secret and
 * checked with whichever known secret (current or previous) their key id names, so a deployment
 * lists the old secret as previous for one token lifetime after switching. A token past its
 * expiry is ignored (read as if none was sent): by then every replica in rotation, at most
 * REPLICA_MAX_LAG_MS behind, has long replayed the write (the configuration requires the
 * lifetime to exceed it). One issued more than MAX_CLOCK_SKEW_MS in the future is refused: its
 * clock, or its signer, is not to be trusted. v1 tokens (no key id, no expiry), issued before
 * this format, are still accepted for one lifetime after their write.
 *
 * Failure mode: a token from the future in WAL terms (a valid signature on an LSN the replicas
 * never reach, e.g. after a primary was restored from backup) only sends that caller's reads to
 * the primary, until it expires.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Lsn } from './lsn';

export class InvalidConsistencyTokenError extends Error {
  constructor(reason: string) {
    super(
      `X-Consistency-Token is not valid (${reason}); send the value a write returned, or none.`,
    );
    this.name = 'InvalidConsistencyTokenError';
  }
}

export interface ConsistencyPoint {
  /** The primary's WAL insert position after the write committed. */
  lsn: bigint;
  /** When the write committed, in ms since the epoch (for the `window` mode). */
  writtenAtMs: number;
}

export interface ConsistencyTokenOptions {
  /** Signs new tokens, and checks them. */
  secret: string;
  /** Still accepted for checking (a rotation's old secrets), never used to sign. */
  previousSecrets?: readonly string[];
  /** How long a token is honoured after its write; past that it is ignored. */
  ttlMs: number;
  /** The clock (tests). @defaultValue Date.now */
  now?: () => number;
}

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const MAX_LENGTH = 128;
/** How far in the future a token's write time may be (instances' clocks disagree a little). */
export const MAX_CLOCK_SKEW_MS = 60_000;

/** A secret's public name in tokens: 8 characters of a hash, never the secret itself. */
export function keyId(secret: string): string {
  return createHash('sha256')
    .update(`docscale consistency token key\0${secret}`)
    .digest()
    .subarray(0, 6)
    .toString('base64url');
}

export class ConsistencyTokens {
  private readonly signing: { id: string; secret: string };
  private readonly byId = new Map<string, string>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: ConsistencyTokenOptions) {
    this.signing = { id: keyId(options.secret), secret: options.secret };
    for (const secret of [options.secret, ...(options.previousSecrets ?? [])]) {
      this.byId.set(keyId(secret), secret);
    }
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  issue(point: ConsistencyPoint): string {
    const expiresAtMs = point.writtenAtMs + this.ttlMs;
    const payload = [
      VERSION,
      this.signing.id,
      Lsn.format(point.lsn),
      point.writtenAtMs.toString(36),
      expiresAtMs.toString(36),
    ].join('.');
    return `${payload}.${sign(this.signing.secret, payload)}`;
  }

  /** The point a token names; undefined when it has expired (read as if none was sent). */
  parse(token: string): ConsistencyPoint | undefined {
    if (token.length > MAX_LENGTH) throw new InvalidConsistencyTokenError('too long');
    const parts = token.split('.');
    if (parts.length === 4 && parts[0] === LEGACY_VERSION) return this.parseLegacy(parts);
    if (parts.length !== 6 || parts[0] !== VERSION) {
      throw new InvalidConsistencyTokenError('unknown format or version');
    }
    const secret = this.byId.get(parts[1]);
    if (secret === undefined) throw new InvalidConsistencyTokenError('unknown key');
    verify(secret, parts.slice(0, 5).join('.'), parts[5]);
    const point = { lsn: position(parts[2]), writtenAtMs: time(parts[3]) };
    return this.unexpired(point, time(parts[4]));
  }

  /** v1: `v1.<lsn>.<written at>.<signature>`, signed by one of the known secrets. */
  private parseLegacy(parts: string[]): ConsistencyPoint | undefined {
    const payload = parts.slice(0, 3).join('.');
    const secret = [...this.byId.values()].find((s) => matches(s, payload, parts[3]));
    if (secret === undefined) throw new InvalidConsistencyTokenError('bad signature');
    const point = { lsn: position(parts[1]), writtenAtMs: time(parts[2]) };
    return this.unexpired(point, point.writtenAtMs + this.ttlMs);
  }

  private unexpired(point: ConsistencyPoint, expiresAtMs: number): ConsistencyPoint | undefined {
    const now = this.now();
    if (point.writtenAtMs > now + MAX_CLOCK_SKEW_MS) {
      throw new InvalidConsistencyTokenError('issued in the future');
    }
    return now < expiresAtMs ? point : undefined;
  }
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret)
    .update(payload)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function matches(secret: string, payload: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function verify(secret: string, payload: string, signature: string): void {
  if (!matches(secret, payload, signature)) throw new InvalidConsistencyTokenError('bad signature');
}

function position(text: string): bigint {
  try {
    return Lsn.parse(text);
  } catch {
    throw new InvalidConsistencyTokenError('bad position');
  }
}

function time(text: string): number {
  const ms = parseInt(text, 36);
  if (!/^[0-9a-z]+$/.test(text) || !Number.isSafeInteger(ms)) {
    throw new InvalidConsistencyTokenError('bad time');
  }
  return ms;
}
