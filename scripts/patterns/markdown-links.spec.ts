import { anchors, relativeLinks, slug, unlink } from './markdown-links';

const page = [
  '# Caching',
  'See [the cache](patterns/cache.md#guarantees) and [Redis](https://redis.io).',
  'Quoted, not a link: `[x](gone.md)`; [`libs/cache`](../libs/cache) is one.',
  '```',
  '[fenced](gone.md)',
  '```',
  '## Caching',
  'Back to [the top](#caching-1).',
].join('\n');

describe('relative links in Markdown', () => {
  it('finds the links outside code, resolved from the root, with their anchors', () => {
    expect(
      relativeLinks(page, 'docs/index.md').map(({ text, path, anchor }) => ({
        text,
        path,
        anchor,
      })),
    ).toEqual([
      { text: 'the cache', path: 'docs/patterns/cache.md', anchor: 'guarantees' },
      { text: '`libs/cache`', path: 'libs/cache', anchor: undefined },
      { text: 'the top', path: 'docs/index.md', anchor: 'caching-1' },
    ]);
  });

  it("names headings' anchors as GitHub does, repeats numbered", () => {
    expect([...anchors(page)]).toEqual(['caching', 'caching-1']);
    expect(slug('1. Circuit breakers and timeouts')).toBe('1-circuit-breakers-and-timeouts');
    expect(slug('Benchmarks against bare baselines (`npm run bench`)')).toBe(
      'benchmarks-against-bare-baselines-npm-run-bench',
    );
  });

  it('turns the links a predicate calls broken into their text, and leaves the rest', () => {
    const { text, unlinked } = unlink(page, 'docs/index.md', (l) => l.path.startsWith('libs/'));
    expect(unlinked).toBe(1);
    expect(text.split('\n')[2]).toBe('Quoted, not a link: `[x](gone.md)`; `libs/cache` is one.');
    expect(text.split('\n')[1]).toBe(page.split('\n')[1]);
  });
});
