/**
 * The primary's WAL position as read-your-writes uses it: the consistency token issued after a
 * write, and the position a cache-filling primary read is known to be at least as new as.
 */
import type { Logger } from '@nestjs/common';
import type { ConsistencyTokens } from './consistency-token';
import type { Database } from './database';
import { Lsn } from './lsn';

/** The primary's WAL insert position now: a token's after a write, a fill's before a read. */
export async function insertPosition(db: Database): Promise<bigint> {
  const [{ lsn }] = await db.query<{ lsn: string }>(
    'SELECT pg_current_wal_insert_lsn()::text AS lsn',
  );
  return Lsn.parse(lsn);
}

/** The token for a caller who has just committed: the primary's WAL insert position now. */
export async function tokenAfterWrite(
  db: Database,
  tokens: ConsistencyTokens,
  log: Logger,
): Promise<string> {
  // The insert position, not pg_current_wal_lsn() or the flush position: with asynchronous
  // commit (synchronous_commit=off) those can still be before the commit record, and a replica
  // that reached them could miss the write. The insert position only moves forward and the
  // commit's WAL was reserved before COMMIT returned, so it is at or past the commit's end.
  let lsn: bigint;
  try {
    lsn = await insertPosition(db);
  } catch (err) {
    // The write is committed: failing the response would invite a duplicate retry. A token
    // no replica can satisfy sends this caller's reads to the primary instead.
    log.warn(`write committed but its position is unknown: ${(err as Error).message}`);
    return tokens.issue({ lsn: Lsn.MAX, writtenAtMs: Date.now() });
  }
  return tokens.issue({ lsn: Lsn.settled(lsn), writtenAtMs: Date.now() });
}
