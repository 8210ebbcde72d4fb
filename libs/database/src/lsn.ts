const WAL_PAGE_BYTES = 8192n;
const WAL_SEGMENT_BYTES = 16n * 1024n * 1024n;
const SHORT_PAGE_HEADER = 24n;
const LONG_PAGE_HEADER = 40n;

/** PostgreSQL WAL positions (`16/B374D848`) as bigints, so they compare and subtract exactly. */
export const Lsn = {
  /** Beyond any real position: a token with it is never satisfied by a replica. */
  MAX: 0xffffffffffffffffn,

  parse(text: string): bigint {
    const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
    if (!match) throw new RangeError(`not an LSN: ${text}`);
    return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
  },

  /**
   * The position as a standby's replay position can equal it. When the last record ends exactly
   * on a WAL page boundary, `pg_current_wal_insert_lsn()` points past the next page's header
   * (24 bytes, 40 at a segment start), where no record can end: a standby that has replayed
   * everything stops at the boundary, and a token would wait for the next write. Assumes the
   * default 8 KiB pages and 16 MiB segments (docscale's stack and most managed Postgres).
   */
  settled(lsn: bigint): bigint {
    const inSegment = lsn % WAL_SEGMENT_BYTES;
    if (inSegment === LONG_PAGE_HEADER) return lsn - LONG_PAGE_HEADER;
    const firstPage = inSegment < WAL_PAGE_BYTES; // its header is the long one
    if (!firstPage && lsn % WAL_PAGE_BYTES === SHORT_PAGE_HEADER) return lsn - SHORT_PAGE_HEADER;
    return lsn;
  },

  /**
   * What a read whose snapshot was taken after seeing insert position `lsn` can claim to
   * reflect. Not `lsn` itself: a commit whose record ends at `lsn` may still be flushing, not yet
   * visible to the snapshot. But a token is read only after its commit became visible, so a
   * settled position strictly beyond a token's proves the token was issued before this read
   * began: hence one below the settled position. (This holds because tokens come only from
   * ReadRouting.afterWrite, which reads the position after the write's commit has returned.)
   */
  seenBefore(lsn: bigint): bigint {
    return Lsn.settled(lsn) - 1n;
  },

  format(lsn: bigint): string {
    return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
  },
};
