import { depthExceeds, unknownKeys } from './json-shape';

describe('depthExceeds', () => {
  const nest = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = i % 2 ? { k: value } : [value];
    return value;
  };

  it('treats scalars and flat objects as shallow', () => {
    expect(depthExceeds('x', 1)).toBe(false);
    expect(depthExceeds(null, 1)).toBe(false);
    expect(depthExceeds({ a: 1, b: 'two' }, 1)).toBe(false);
  });

  it('allows exactly the limit and refuses one level more', () => {
    expect(depthExceeds(nest(32), 32)).toBe(false);
    expect(depthExceeds(nest(33), 32)).toBe(true);
  });

  it('measures 100,000 levels without overflowing the stack', () => {
    expect(depthExceeds(nest(100_000), 32)).toBe(true);
  });

  it('finds a deep branch beside shallow ones', () => {
    expect(depthExceeds({ a: 1, b: [2], c: nest(40) }, 32)).toBe(true);
  });
});

describe('unknownKeys', () => {
  it('names own keys outside the allowed set, including object-member names', () => {
    const body = JSON.parse('{"title":"t","constructor":{},"toString":1}') as object;
    expect(unknownKeys(body, new Set(['title']))).toEqual(['constructor', 'toString']);
  });

  it('returns nothing when every key is allowed', () => {
    expect(unknownKeys({ title: 't' }, new Set(['title', 'body']))).toEqual([]);
  });
});
