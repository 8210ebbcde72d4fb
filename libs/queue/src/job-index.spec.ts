import type { Redis } from 'ioredis';
import { JobIndex, type IndexPosition } from './job-index';

/** The sorted-set commands JobIndex sends, over one in-memory map per key (scores in ms). */
class FakeRedis {
  readonly sets = new Map<string, Map<string, number>>();
  readonly ttl = new Map<string, number>();

  pipeline() {
    const calls: (() => unknown)[] = [];
    const chain = {
      zadd: (key: string, _nx: 'NX', score: number, id: string) =>
        push(() => this.zaddNx(key, score, id)),
      zremrangebyscore: (key: string, _min: string, max: string) =>
        push(() => this.remove(key, (s) => s < Number(max.slice(1)))),
      pexpire: (key: string, ms: number) => push(() => this.ttl.set(key, ms)),
      zrangebyscore: (key: string, min: number, max: number) =>
        push(() => this.range(key, (s) => s >= min && s <= max).map(([id]) => id)),
      zrevrangebyscore: (key: string, max: string, _min: string, ...rest: unknown[]) => {
        const count = Number(rest[3]);
        const below = max === '+inf' ? Infinity : Number(max.slice(1));
        return push(() =>
          this.range(key, (s) => s < below)
            .reverse()
            .slice(0, count)
            .flatMap(([id, s]) => [id, String(s)]),
        );
      },
      exec: () => Promise.resolve(calls.map((call) => [null, call()])),
    };
    const push = (call: () => unknown) => {
      calls.push(call);
      return chain;
    };
    return chain;
  }

  zrem(key: string, ...ids: string[]) {
    for (const id of ids) this.sets.get(key)?.delete(id);
    return Promise.resolve(ids.length);
  }

  private zaddNx(key: string, score: number, id: string) {
    const set = this.sets.get(key) ?? new Map<string, number>();
    this.sets.set(key, set);
    if (!set.has(id)) set.set(id, score);
  }

  private remove(key: string, match: (score: number) => boolean) {
    for (const [id, s] of this.sets.get(key) ?? []) if (match(s)) this.sets.get(key)!.delete(id);
  }

  /** Ascending by (score, id), as Redis orders a sorted set. */
  private range(key: string, match: (score: number) => boolean): [string, number][] {
    return [...(this.sets.get(key) ?? [])]
      .filter(([, s]) => match(s))
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  }
}

const HOUR = 3_600_000;

describe('JobIndex', () => {
  let redis: FakeRedis;
  let index: JobIndex;

  beforeEach(() => {
    redis = new FakeRedis();
    index = new JobIndex(() => redis as unknown as Redis, 'docscale:queue:documents', HOUR);
  });

  /** Every entry of `owner`, `size` at a time from the newest: what a client paging sees. */
  async function pageAll(owner: string, size: number): Promise<string[]> {
    const ids: string[] = [];
    let position: IndexPosition | undefined;
    for (;;) {
      const entries = await index.after(owner, position, size);
      ids.push(...entries.map((e) => e.id));
      if (entries.length < size) return ids;
      position = entries.at(-1);
    }
  }

  it('keeps one set per owner, next to the queue’s keys', async () => {
    await index.add([{ owner: 'a', id: 'j1' }], 1000);

    expect([...redis.sets.keys()]).toEqual(['docscale:queue:documents:owner:a']);
  });

  it('lists the owner’s jobs newest first, never another owner’s', async () => {
    await index.add([{ owner: 'a', id: 'old' }], 1000);
    await index.add([{ owner: 'b', id: 'theirs' }], 1500);
    await index.add([{ owner: 'a', id: 'new' }], 2000);

    expect(await pageAll('a', 10)).toEqual(['new', 'old']);
  });

  it('pages through jobs enqueued in the same millisecond exactly once, by id', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    await index.add(
      ids.map((id) => ({ owner: 'a', id })),
      1000,
    );
    await index.add([{ owner: 'a', id: 'later' }], 1001);

    const listed = await pageAll('a', 4);

    expect(listed).toEqual(['later', ...[...ids].reverse()]);
  });

  it('keeps a job’s first place when it is enqueued again (a resent outbox row)', async () => {
    await index.add([{ owner: 'a', id: 'first' }], 1000);
    await index.add([{ owner: 'a', id: 'second' }], 2000);
    await index.add([{ owner: 'a', id: 'first' }], 3000);

    expect(await pageAll('a', 10)).toEqual(['second', 'first']);
  });

  it('trims entries older than the horizon at each write, and lets an idle set expire', async () => {
    await index.add([{ owner: 'a', id: 'expired' }], 1000);
    await index.add([{ owner: 'a', id: 'kept' }], 1000 + HOUR + 1);

    expect(await pageAll('a', 10)).toEqual(['kept']);
    expect(redis.ttl.get(index.key('a'))).toBe(HOUR);
  });

  it('drops the entries it is told are gone', async () => {
    await index.add(
      [
        { owner: 'a', id: 'gone' },
        { owner: 'a', id: 'here' },
      ],
      1000,
    );

    await index.drop('a', ['gone']);

    expect(await pageAll('a', 10)).toEqual(['here']);
  });
});
