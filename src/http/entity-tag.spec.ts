import { InvalidPreconditionError } from '../problems/problem.errors';
import { EntityTag } from './entity-tag';

describe('EntityTag', () => {
  it('quotes the version to make the tag', () => {
    expect(EntityTag.of(3)).toBe('"3"');
  });

  describe('parseIfMatch', () => {
    it('allows any version when the header is absent', () => {
      expect(EntityTag.parseIfMatch(undefined)).toBe('any');
    });

    it('allows any version for *', () => {
      expect(EntityTag.parseIfMatch(' * ')).toBe('any');
    });

    it('allows the one version a single strong tag names', () => {
      expect(EntityTag.parseIfMatch('"7"')).toEqual([7]);
    });

    it('allows each version of a list, with spaces around the commas', () => {
      expect(EntityTag.parseIfMatch('"1" ,"2",  "30"')).toEqual([1, 2, 30]);
    });

    it('never lets a weak tag match', () => {
      expect(EntityTag.parseIfMatch('W/"3"')).toEqual([]);
      expect(EntityTag.parseIfMatch('W/"3", "4"')).toEqual([4]);
    });

    it('reads its own tags back', () => {
      expect(EntityTag.parseIfMatch(EntityTag.of(12))).toEqual([12]);
    });

    it.each([
      ['an unquoted version', '3'],
      ['an empty header', ''],
      ['a non-numeric tag', '"abc"'],
      ['an empty list member', '"1",,"2"'],
      ['* inside a list', '"1", *'],
      ['a lower-case weak prefix', 'w/"3"'],
      ['a ten-digit version', '"1234567890"'],
      ['a negative version', '"-1"'],
    ])('refuses %s with InvalidPreconditionError', (_case, header) => {
      expect(() => EntityTag.parseIfMatch(header)).toThrow(InvalidPreconditionError);
    });

    it('names If-Match in the error', () => {
      expect(() => EntityTag.parseIfMatch('nope')).toThrow(/^If-Match must be/);
    });
  });

  describe('noneMatchHits', () => {
    it('misses when the header is absent', () => {
      expect(EntityTag.noneMatchHits(undefined, 1)).toBe(false);
    });

    it('hits any current version for *', () => {
      expect(EntityTag.noneMatchHits('*', 42)).toBe(true);
    });

    it('hits when a listed tag names the current version', () => {
      expect(EntityTag.noneMatchHits('"1", "2"', 2)).toBe(true);
    });

    it('misses when no listed tag names the current version', () => {
      expect(EntityTag.noneMatchHits('"1", "2"', 3)).toBe(false);
    });

    it('compares weakly, so a weak tag hits its version', () => {
      expect(EntityTag.noneMatchHits('W/"5"', 5)).toBe(true);
    });

    it('refuses a malformed header with InvalidPreconditionError naming If-None-Match', () => {
      expect(() => EntityTag.noneMatchHits('5', 5)).toThrow(InvalidPreconditionError);
      expect(() => EntityTag.noneMatchHits('5', 5)).toThrow(/^If-None-Match must be/);
    });
  });
});
