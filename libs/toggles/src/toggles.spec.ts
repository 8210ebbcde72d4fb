import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Toggles, TogglesUnavailableError, UnknownToggleError } from './toggles';
import { TogglesOptions } from './toggles.options';

// The real local Redis (scripts/stack.sh): what is under test is the hash + version + pub/sub
// protocol between instances, which a fake Redis would only restate.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:56379';
const DEFAULTS = { CACHE_L1: true, CACHE_L2: true, QUEUE: false };

async function pollUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Toggles', () => {
  let admin: Redis;
  let prefix: string;
  let started: Toggles[];

  /** An instance as Nest would run it: constructed from options, then initialised. */
  async function start(options: Partial<TogglesOptions> = {}): Promise<Toggles> {
    const toggles = new Toggles({
      defaults: DEFAULTS,
      redisUrl: REDIS_URL,
      keyPrefix: prefix,
      syncIntervalMs: 1000,
      commandTimeoutMs: 500,
      ...options,
    });
    started.push(toggles);
    await toggles.onModuleInit();
    return toggles;
  }

  /** Waits until `count` instances listen for change notices, so none can be missed. */
  const subscribers = (count: number) =>
    pollUntil(
      async () => {
        const [, n] = (await admin.pubsub('NUMSUB', `${prefix}:changed`)) as [string, number];
        return n >= count;
      },
      `${count} subscribers`,
      2000,
    );

  beforeAll(() => {
    Logger.overrideLogger(false);
    admin = new Redis(REDIS_URL);
  });
  afterAll(() => admin.quit());

  beforeEach(() => {
    prefix = `test:toggles:${randomUUID()}`;
    started = [];
  });
  afterEach(async () => {
    await Promise.all(started.map((t) => t.onApplicationShutdown()));
    await admin.del(`${prefix}:overrides`, `${prefix}:version`);
  });

  it('reports the configured defaults while nothing is overridden', async () => {
    const toggles = await start();

    expect(toggles.list()).toEqual([
      { name: 'CACHE_L1', on: true, source: 'config' },
      { name: 'CACHE_L2', on: true, source: 'config' },
      { name: 'QUEUE', on: false, source: 'config' },
    ]);
  });

  it('reports an unknown toggle as off', async () => {
    expect((await start()).isOn('NO_SUCH_PATTERN')).toBe(false);
  });

  it('applies a change to the instance that made it before set() resolves', async () => {
    const a = await start();

    const states = await a.set({ CACHE_L1: false, QUEUE: true });

    expect(a.isOn('CACHE_L1')).toBe(false);
    expect(a.isOn('QUEUE')).toBe(true);
    expect(states).toContainEqual({ name: 'CACHE_L1', on: false, source: 'runtime' });
    expect(states).toContainEqual({ name: 'CACHE_L2', on: true, source: 'config' });
  });

  it('shows a change made on one instance on another within syncIntervalMs', async () => {
    const [a, b] = [await start(), await start()];

    await a.set({ CACHE_L2: false });

    await pollUntil(() => !b.isOn('CACHE_L2'), 'b to see CACHE_L2 off', 1000);
  });

  it('delivers a change through the notice, without waiting for the poll', async () => {
    const a = await start({ syncIntervalMs: 60_000 });
    const b = await start({ syncIntervalMs: 60_000 });
    await subscribers(2);

    await a.set({ CACHE_L1: false });

    await pollUntil(() => !b.isOn('CACHE_L1'), 'b to see CACHE_L1 off', 2000);
  });

  it('returns a toggle to its configured value when set to null, on every instance', async () => {
    const [a, b] = [await start(), await start()];
    await a.set({ CACHE_L1: false });
    await pollUntil(() => !b.isOn('CACHE_L1'), 'b to see CACHE_L1 off', 1000);

    const states = await a.set({ CACHE_L1: null });

    expect(states).toContainEqual({ name: 'CACHE_L1', on: true, source: 'config' });
    expect(await admin.hexists(`${prefix}:overrides`, 'CACHE_L1')).toBe(0);
    await pollUntil(() => b.isOn('CACHE_L1'), 'b to see CACHE_L1 back on', 1000);
    expect(b.list().every((t) => t.source === 'config')).toBe(true);
  });

  it('refuses unknown names with UnknownToggleError and changes nothing', async () => {
    const a = await start();

    const refused = a.set({ CACHE_L1: false, CACHE_L9: true });

    await expect(refused).rejects.toThrow(UnknownToggleError);
    await expect(refused).rejects.toMatchObject({ names: ['CACHE_L9'] });
    expect(a.isOn('CACHE_L1')).toBe(true);
    expect(await admin.exists(`${prefix}:overrides`, `${prefix}:version`)).toBe(0);
  });

  it('follows a change whose notice it missed, by polling the version', async () => {
    const b = await start({ syncIntervalMs: 200 });

    // What a writer does, minus the PUBLISH: as if b's subscription was down at the time.
    await admin.multi().hset(`${prefix}:overrides`, 'QUEUE', '1').incr(`${prefix}:version`).exec();

    await pollUntil(() => b.isOn('QUEUE'), 'b to poll QUEUE on', 1000);
    expect(b.list()).toContainEqual({ name: 'QUEUE', on: true, source: 'runtime' });
  });

  it('ignores overrides stored for names it does not know', async () => {
    const b = await start({ syncIntervalMs: 200 });

    await admin
      .multi()
      .hset(`${prefix}:overrides`, 'RETIRED_PATTERN', '1', 'CACHE_L2', '0')
      .incr(`${prefix}:version`)
      .exec();

    await pollUntil(() => !b.isOn('CACHE_L2'), 'b to poll CACHE_L2 off', 1000);
    expect(b.isOn('RETIRED_PATTERN')).toBe(false);
    expect(b.list().map((t) => t.name)).toEqual(['CACHE_L1', 'CACHE_L2', 'QUEUE']);
  });

  it('starts with the overrides already in force', async () => {
    const a = await start();
    await a.set({ CACHE_L1: false });

    const late = await start();

    expect(late.isOn('CACHE_L1')).toBe(false);
  });

  describe('with Redis unreachable', () => {
    // Nothing listens on port 1. disconnect() of a connection that never opened still arms
    // ioredis' disconnectTimeout (2 s, not unref'd), which would hold the jest worker open after
    // the run: the URL option shortens it.
    const unreachable = {
      redisUrl: 'redis://127.0.0.1:1/?disconnectTimeout=1',
      syncIntervalMs: 100,
    };

    it('starts anyway and answers with the configured defaults', async () => {
      const toggles = await start(unreachable);

      expect(toggles.isOn('CACHE_L1')).toBe(true);
      expect(toggles.isOn('QUEUE')).toBe(false);
      expect(toggles.list().every((t) => t.source === 'config')).toBe(true);
    });

    it('refuses a change with TogglesUnavailableError rather than applying it locally', async () => {
      const toggles = await start(unreachable);

      await expect(toggles.set({ CACHE_L1: false })).rejects.toThrow(TogglesUnavailableError);
      expect(toggles.isOn('CACHE_L1')).toBe(true);
    });
  });
});
