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
 * `window` mode uses. Nothing is stored anywhere: any instance can check any token.
 *
 * Failure mode: a token from the future (a valid signature on an LSN the replicas never reach,
 * e.g. after a primary was restored from backup) only sends that caller's reads to the primary.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

const VERSION = 'v1';
const MAX_LENGTH = 128;

export class ConsistencyTokens {
  constructor(private readonly secret: string) {}

  issue(point: ConsistencyPoint): string {
    const payload = `${VERSION}.${Lsn.format(point.lsn)}.${point.writtenAtMs.toString(36)}`;
    return `${payload}.${this.sign(payload)}`;
  }

  parse(token: string): ConsistencyPoint {
    if (token.length > MAX_LENGTH) throw new InvalidConsistencyTokenError('too long');
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new InvalidConsistencyTokenError('unknown format or version');
    }
    const payload = parts.slice(0, 3).join('.');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(parts[3]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidConsistencyTokenError('bad signature');
    }
    const writtenAtMs = parseInt(parts[2], 36);
    let lsn: bigint;
    try {
      lsn = Lsn.parse(parts[1]);
    } catch {
      throw new InvalidConsistencyTokenError('bad position');
    }
    if (!Number.isSafeInteger(writtenAtMs)) throw new InvalidConsistencyTokenError('bad time');
    return { lsn, writtenAtMs };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret)
      .update(payload)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }
}
