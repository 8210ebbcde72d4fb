/**
 * What the cache stores, in the one encoding both levels share (serialized once, on fill).
 *
 * `K|rank|atLsn|json`: K is V (a value), A (absent: answered as a 404) or F (a floor: answered by
 * nobody, it only stops older fills). The rank orders records of one key, so a fill can never
 * replace a newer record (the compare-and-set in l2-store.ts reads it with one pattern):
 * - V: the document's version;
 * - A: 0 when a read found nothing, the deleted version + 1 when a delete wrote it (above any
 *   version the document ever had);
 * - F: the version a write produced; only fills of that version or newer may replace it.
 *
 * `atLsn` (16 hex digits, or empty when unknown) is a WAL position the record is known to be at
 * least as new as: it reflects every write whose consistency token is at or below it. A reader
 * with a token for a later position must not accept it (read-your-writes).
 */
export type EntryKind = 'value' | 'absent' | 'floor';

export interface CacheEntry<T = unknown> {
  kind: EntryKind;
  rank: number;
  /** Reflects every write whose consistency token is at or below it; null when unknown. */
  atLsn: bigint | null;
  /** The document, for `value` records. */
  value?: T;
  /**
   * The document as UTF-8 JSON, for `value` records: serialized once, when the record is encoded
   * or decoded, so a hit is answered with these bytes instead of serializing `value` again. The
   * same JSON as the L2 record's body.
   */
  body?: Buffer;
  /** The encoded length (the L2 record's). */
  bytes: number;
}

/** A loader's answer: the row (null when there is none), its version, and where it was read. */
export interface Loaded<T> {
  value: T | null;
  version: number;
  atLsn: bigint | null;
}

const KIND_CODES: Record<EntryKind, string> = { value: 'V', absent: 'A', floor: 'F' };
const KINDS: Record<string, EntryKind> = { V: 'value', A: 'absent', F: 'floor' };
const HEADER = /^([VAF])\|(\d+)\|([0-9a-f]{0,16})\|/;

/** A position above any real one: a deleted document is absent at every later position. */
export const ALWAYS = 0xffffffffffffffffn;

export const CacheEntries = {
  fromLoaded<T>(loaded: Loaded<T>): CacheEntry<T> {
    return CacheEntries.withRecord(loaded).entry;
  },

  /** The entry and its encoding, for a fill: the document is serialized once (encode sizes it). */
  withRecord<T>(loaded: Loaded<T>): { entry: CacheEntry<T>; record: string } {
    const entry: CacheEntry<T> =
      loaded.value === null
        ? { kind: 'absent', rank: 0, atLsn: loaded.atLsn, bytes: 0 }
        : {
            kind: 'value',
            rank: loaded.version,
            atLsn: loaded.atLsn,
            value: loaded.value,
            bytes: 0,
          };
    return { entry, record: CacheEntries.encode(entry) };
  },

  /** The record a write leaves: a floor at its new version, or a deletion marker. */
  afterWrite(change: { version: number; deleted?: boolean }): CacheEntry {
    return change.deleted
      ? CacheEntries.make('absent', change.version + 1, ALWAYS)
      : CacheEntries.make('floor', change.version, null);
  },

  make<T>(kind: EntryKind, rank: number, atLsn: bigint | null, value?: T): CacheEntry<T> {
    const entry: CacheEntry<T> = { kind, rank, atLsn, value, bytes: 0 };
    CacheEntries.encode(entry); // sizes it
    return entry;
  },

  /** Also records the encoded length and the JSON bytes on the entry. */
  encode(entry: CacheEntry): string {
    const lsn = entry.atLsn === null ? '' : entry.atLsn.toString(16).padStart(16, '0');
    const body = entry.kind === 'value' ? JSON.stringify(entry.value) : '';
    const record = `${KIND_CODES[entry.kind]}|${entry.rank}|${lsn}|${body}`;
    entry.bytes = record.length;
    if (entry.kind === 'value') entry.body = Buffer.from(body);
    return record;
  },

  /** What an entry holds in L1, in bytes (more or less: strings count one per character). */
  l1Size(entry: CacheEntry, key: string): number {
    return entry.bytes + (entry.body?.length ?? 0) + key.length;
  },

  /** Undefined for anything not written by `encode` (treated as a miss, and overwritten). */
  decode<T>(raw: string): CacheEntry<T> | undefined {
    const match = HEADER.exec(raw);
    if (!match) return undefined;
    const kind = KINDS[match[1]];
    const body = raw.slice(match[0].length);
    let value: T | undefined;
    if (kind === 'value') {
      try {
        value = JSON.parse(body) as T;
      } catch {
        return undefined;
      }
    }
    const atLsn = match[3] === '' ? null : BigInt(`0x${match[3]}`);
    const json = kind === 'value' ? Buffer.from(body) : undefined;
    return { kind, rank: Number(match[2]), atLsn, value, body: json, bytes: raw.length };
  },

  /**
   * Whether a reader may be answered from `entry`: floors answer nobody, and a reader whose
   * consistency token is at `minLsn` needs an entry known to be at least that new.
   */
  answers(entry: CacheEntry, minLsn: bigint | undefined): boolean {
    if (entry.kind === 'floor') return false;
    return minLsn === undefined || (entry.atLsn !== null && entry.atLsn >= minLsn);
  },
};
