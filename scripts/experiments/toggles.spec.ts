import { asBooleans, parseToggleSet } from './toggles';

describe('toggle sets on the command line', () => {
  it('reads NAME=on|off lists, with "defaults" meaning none', () => {
    expect(parseToggleSet('defaults')).toEqual({});
    expect(parseToggleSet('CACHE_L1=off, CACHE_L2=on')).toEqual({
      CACHE_L1: 'off',
      CACHE_L2: 'on',
    });
    expect(asBooleans({ CACHE_L1: 'off', QUEUE: 'true' })).toEqual({
      CACHE_L1: false,
      QUEUE: true,
    });
  });

  it('refuses a setting that is not on or off, saying how to write it', () => {
    expect(() => parseToggleSet('CACHE_L1=maybe')).toThrow(/NAME=on or NAME=off/);
    expect(() => parseToggleSet('CACHE_L1')).toThrow(/NAME=on/);
  });
});
