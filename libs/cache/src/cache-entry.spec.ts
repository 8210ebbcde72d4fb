import { ALWAYS, CacheEntries, CacheEntry, EntryKind } from './cache-entry';

const DOC = { id: 'd1', title: 'a | b', body: 'ünïcødé, "quotes" and |pipes|', tags: ['x'] };

describe('CacheEntries', () => {
  describe('encode and decode', () => {
    it.each<[string, EntryKind, number, bigint | null, unknown]>([
      ['a value at a known position', 'value', 3, 0x16_b374d848n, DOC],
      ['a value at an unknown position', 'value', 1, null, DOC],
      ['a value at position zero', 'value', 2, 0n, { n: 1 }],
      ['a read that found nothing', 'absent', 0, null, undefined],
      ['a read that found nothing at a known position', 'absent', 0, 0x2000n, undefined],
      ['a deletion marker', 'absent', 8, ALWAYS, undefined],
      ['a floor', 'floor', 7, null, undefined],
      ['a floor at a known position', 'floor', 7, 0xffffffffn, undefined],
    ])('decodes what it encoded for %s', (_what, kind, rank, atLsn, value) => {
      const entry = CacheEntries.make(kind, rank, atLsn, value);

      expect(CacheEntries.decode(CacheEntries.encode(entry))).toEqual(entry);
    });

    it("keeps a value's UTF-8 JSON, the record's own body, for answering hits with", () => {
      const entry = CacheEntries.make('value', 3, 5n, DOC);
      const raw = CacheEntries.encode(entry);

      expect(entry.body?.toString('utf8')).toBe(JSON.stringify(DOC));
      expect(raw.endsWith(`|${entry.body?.toString('utf8')}`)).toBe(true);
      expect(CacheEntries.decode(raw)?.body).toEqual(Buffer.from(JSON.stringify(DOC)));
      expect(CacheEntries.make('floor', 3, null).body).toBeUndefined();
    });

    it('sizes an entry in L1 by its record, its JSON bytes and its key', () => {
      const entry = CacheEntries.make('value', 3, 5n, DOC);

      expect(CacheEntries.l1Size(entry, 'k1')).toBe(
        entry.bytes + Buffer.byteLength(JSON.stringify(DOC)) + 2,
      );
    });

    it('encodes the kind, rank and position in lower-case hex before the body', () => {
      expect(CacheEntries.encode(CacheEntries.make('value', 3, 0x1fn, { a: 1 }))).toBe(
        'V|3|000000000000001f|{"a":1}',
      );
      expect(CacheEntries.encode(CacheEntries.make('absent', 4, ALWAYS))).toBe(
        'A|4|ffffffffffffffff|',
      );
      expect(CacheEntries.encode(CacheEntries.make('floor', 2, null))).toBe('F|2||');
    });

    it('keeps the highest position exactly, not rounded through a number', () => {
      const decoded = CacheEntries.decode(
        CacheEntries.encode(CacheEntries.make('absent', 1, ALWAYS)),
      );

      expect(decoded?.atLsn).toBe(0xffffffffffffffffn);
    });

    it.each([
      '',
      'hello',
      'X|1||1',
      'v|1||1',
      'V|-1||1',
      'V|x||1',
      'V|1|1',
      'V||1|1',
      'V|1|XYZ|1',
      'V|1|ABC|1',
      `V|1|${'1'.repeat(17)}|1`,
      'V|1||',
      'V|1||{not json',
      ' V|1||1',
    ])('decodes %p, which encode never writes, as nothing', (raw) => {
      expect(CacheEntries.decode(raw)).toBeUndefined();
    });

    it('sizes an entry by its encoded length, made or decoded', () => {
      const entry = CacheEntries.make('value', 5, 0xabcn, DOC);
      const raw = CacheEntries.encode(entry);

      expect(entry.bytes).toBe(raw.length);
      expect(CacheEntries.decode(raw)?.bytes).toBe(raw.length);
      expect(CacheEntries.make('floor', 5, null).bytes).toBe('F|5||'.length);
    });
  });

  describe('answers', () => {
    const value = (atLsn: bigint | null) => CacheEntries.make('value', 1, atLsn, DOC);
    const absent = (atLsn: bigint | null) => CacheEntries.make('absent', 0, atLsn);

    it.each<[string, CacheEntry]>([
      ['a value', value(100n)],
      ['a value at an unknown position', value(null)],
      ['an absent record', absent(null)],
      ['a deletion marker', CacheEntries.afterWrite({ version: 1, deleted: true })],
    ])('answers a reader without a token from %s', (_what, entry) => {
      expect(CacheEntries.answers(entry, undefined)).toBe(true);
    });

    it('never answers from a floor, with or without a token', () => {
      for (const atLsn of [null, 0n, ALWAYS]) {
        const floor = CacheEntries.make('floor', 2, atLsn);
        expect(CacheEntries.answers(floor, undefined)).toBe(false);
        expect(CacheEntries.answers(floor, 0n)).toBe(false);
      }
    });

    it('never answers a token from an entry at an unknown position, however old the token', () => {
      expect(CacheEntries.answers(value(null), 0n)).toBe(false);
      expect(CacheEntries.answers(absent(null), 0n)).toBe(false);
    });

    it('answers a token at or before the entry position, not one after it', () => {
      expect(CacheEntries.answers(value(100n), 99n)).toBe(true);
      expect(CacheEntries.answers(value(100n), 100n)).toBe(true);
      expect(CacheEntries.answers(value(100n), 101n)).toBe(false);
      expect(CacheEntries.answers(absent(100n), 101n)).toBe(false);
    });
  });

  describe('afterWrite', () => {
    it('leaves a deletion marker above every version the document had, at every position', () => {
      const marker = CacheEntries.afterWrite({ version: 3, deleted: true });

      expect(marker).toMatchObject({ kind: 'absent', rank: 4, atLsn: ALWAYS });
      expect(CacheEntries.answers(marker, ALWAYS)).toBe(true);
    });

    it.each([{ version: 3 }, { version: 3, deleted: false }])(
      'leaves a floor at the written version for %p',
      (change) => {
        const floor = CacheEntries.afterWrite(change);

        expect(floor).toMatchObject({ kind: 'floor', rank: 3, atLsn: null });
        expect(floor.bytes).toBe(CacheEntries.encode(floor).length);
      },
    );
  });

  describe('fromLoaded', () => {
    it('ranks a loaded row by its version, at the position it was read', () => {
      expect(CacheEntries.fromLoaded({ value: DOC, version: 6, atLsn: 10n })).toMatchObject({
        kind: 'value',
        rank: 6,
        atLsn: 10n,
        value: DOC,
      });
    });

    it('ranks a read that found nothing at 0, below any version', () => {
      expect(CacheEntries.fromLoaded({ value: null, version: 6, atLsn: 10n })).toMatchObject({
        kind: 'absent',
        rank: 0,
        atLsn: 10n,
      });
    });
  });
});
