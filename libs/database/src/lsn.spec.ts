import { Lsn } from './lsn';

describe('Lsn', () => {
  it.each(['0/0', '16/B374D848', 'FFFFFFFF/FFFFFFFF', '1/0'])(
    'formats what it parsed from %s back to the same text',
    (text) => {
      expect(Lsn.format(Lsn.parse(text))).toBe(text);
    },
  );

  it('parses the high and low halves into one 64-bit position', () => {
    expect(Lsn.parse('16/B374D848')).toBe(0x16_b374d848n);
  });

  it('accepts lower-case hex and formats it in upper case', () => {
    expect(Lsn.format(Lsn.parse('a/bc'))).toBe('A/BC');
  });

  it('orders 0/FFFFFFFF before 1/0: the high half is the more significant', () => {
    expect(Lsn.parse('0/FFFFFFFF')).toBeLessThan(Lsn.parse('1/0'));
  });

  it('subtracts two positions into the exact number of bytes between them', () => {
    expect(Lsn.parse('1/10') - Lsn.parse('0/FFFFFFF0')).toBe(0x20n);
  });

  it.each(['xyz', '1/', '/1', '123456789/0', '0/123456789', '1/G', '1//2', ' 1/2', ''])(
    'rejects the malformed text %p with a RangeError',
    (text) => {
      expect(() => Lsn.parse(text)).toThrow(RangeError);
    },
  );
});

describe('Lsn.settled', () => {
  it('moves a position just past a page header back to the page boundary', () => {
    expect(Lsn.settled(Lsn.parse('0/2018'))).toBe(Lsn.parse('0/2000')); // 8 KiB page + 24
  });

  it('moves a position just past a segment header back to the segment boundary', () => {
    expect(Lsn.settled(Lsn.parse('0/1000028'))).toBe(Lsn.parse('0/1000000')); // 16 MiB + 40
  });

  it('leaves every other position alone', () => {
    for (const text of ['0/2000', '0/2019', '16/B374D848', '0/1000018']) {
      expect(Lsn.settled(Lsn.parse(text))).toBe(Lsn.parse(text));
    }
  });
});

describe('Lsn.seenBefore', () => {
  it.each([
    ['an ordinary position', '16/B374D848', '16/B374D847'],
    ['a position just past a page header', '0/2018', '0/1FFF'],
    ['a position just past a segment header', '0/1000028', '0/FFFFFF'],
    ['a segment header that crosses into the high half', '1/28', '0/FFFFFFFF'],
    ['a page boundary itself', '0/2000', '0/1FFF'],
    ['one byte past a page header', '0/2019', '0/2018'],
    ['24 bytes into a segment, whose first page has the long header', '0/1000018', '0/1000017'],
  ])('is one below the settled position for %s (%s → %s)', (_what, seen, before) => {
    expect(Lsn.seenBefore(Lsn.parse(seen))).toBe(Lsn.parse(before));
  });

  it('is below any token issued for the same insert position, so it never claims that commit', () => {
    for (const text of ['0/2018', '0/1000028', '16/B374D848']) {
      const token = Lsn.settled(Lsn.parse(text));
      expect(Lsn.seenBefore(Lsn.parse(text))).toBeLessThan(token);
    }
  });

  it('reaches a token once the insert position has moved past it', () => {
    const token = Lsn.settled(Lsn.parse('0/2018'));

    expect(Lsn.seenBefore(token + 1n)).toBe(token);
  });
});
