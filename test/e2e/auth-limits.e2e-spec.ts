/**
 * The limit before authentication (docs/patterns/rate-limiting.md, "Failed authentications"):
 * failed authentications are limited per client address (X-Forwarded-For, believed from
 * loopback by TRUST_PROXY's default), answered 429 + Retry-After, and a flood of random
 * well-formed keys from other addresses does not slow an authenticated tenant's reads.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg, setPriority } from 'node:os';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(180_000);

const FAILURES = 5;
/**
 * Wrong keys per second: far more than the flooding addresses may fail in a window (20 × 5 a
 * minute), and modest next to an instance's capacity, so what is measured is the cost of the
 * failures (key lookups), not HTTP saturation, which is load shedding's concern.
 */
const FLOOD_PER_SECOND = 60;
/** How many addresses the flood comes from. */
const FLOOD_ADDRESSES = 20;
/**
 * Each window lasts at least this long, however fast the reads: on a quiet machine SAMPLES reads
 * take well under a second, and a flood that short would not spend the addresses' budgets.
 */
const MIN_WINDOW_MS = 500;
const randomKey = () => `dsk_${randomBytes(32).toString('base64url')}`;
const from = (address: string) => ({ 'X-Forwarded-For': address });

describe('limits before authentication', () => {
  let api: Instance;
  let key: string;
  let docId: string;

  beforeAll(async () => {
    const prefix = `test:auth-limits:${randomUUID()}`;
    [api] = await startInstances(1, {
      RATE_LIMIT: 'on',
      RATE_LIMIT_KEY_PREFIX: `${prefix}:ratelimit`,
      TOGGLES_KEY_PREFIX: `${prefix}:toggles`,
      RATE_LIMIT_AUTH_FAILURES: String(FAILURES),
      RATE_LIMIT_AUTH_FAILURES_WINDOW_MS: '60000',
      RATE_LIMIT_READS: '100000',
      // pattern:shedding:begin
      // This machine is shared: its load, not the flood, can stall an event loop past the
      // shedder's bound, and a 503 would end the measurement. Shedding has suites of its own.
      LOAD_SHEDDING: 'off',
      // pattern:shedding:end
    });
    ({ key } = await newTenant('auth-limits'));
    const res = await fetch(`${api.url}/v1/documents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Read under a flood', body: 'x'.repeat(500) }),
    });
    expect(res.status).toBe(201);
    docId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await stopAll([api]);
  });

  const withKey = (k: string | undefined, address: string) =>
    fetch(`${api.url}/v1/documents?limit=1`, {
      headers: { ...from(address), ...(k === undefined ? {} : { Authorization: `Bearer ${k}` }) },
    });

  it('answers 429 + Retry-After once an address has failed RATE_LIMIT_AUTH_FAILURES times, missing keys included', async () => {
    const address = '198.51.100.7';
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES; i++) {
      statuses.push((await withKey(i % 2 ? undefined : randomKey(), address)).status);
    }
    expect(statuses).toEqual(Array(FAILURES).fill(401));

    const refused = await withKey(randomKey(), address);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({
      type: '/problems/too-many-failed-authentications',
      limit: FAILURES,
      retryAfterSeconds: expect.any(Number),
    });
  });

  it('limits each address on its own: another address still gets 401', async () => {
    for (let i = 0; i <= FAILURES; i++) await withKey(randomKey(), '198.51.100.8');
    expect((await withKey(randomKey(), '198.51.100.8')).status).toBe(429);
    expect((await withKey(randomKey(), '198.51.100.9')).status).toBe(401);
  });

  it('still serves a working key from a blocked address', async () => {
    const address = '198.51.100.10';
    expect((await withKey(key, address)).status).toBe(200);
    for (let i = 0; i <= FAILURES; i++) await withKey(randomKey(), address);
    expect((await withKey(randomKey(), address)).status).toBe(429);
    expect((await withKey(key, address)).status).toBe(200);
  });

  it("keeps a tenant's read p99 under a wrong-key flood from other addresses within 2x its idle p99, and the flooder gets 429s", async () => {
    const read = () =>
      fetch(`${api.url}/v1/documents/${docId}`, {
        headers: { Authorization: `Bearer ${key}`, ...from('203.0.113.1') },
      });
    for (let i = 0; i < 50; i++) await (await read()).arrayBuffer(); // warm: key, cache, pools

    // Short idle and flooded windows, interleaved, each side's samples pooled: a burst from
    // another process on this shared machine lands on both sides alike. Its tail still moves
    // with the machine's load (the 2-core CI box runs other suites), so up to three measurements
    // are taken and the best kept: noise can fail one, while a flood that does slow the tenant
    // fails them all.
    const measurements: Awaited<ReturnType<typeof measure>>[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = await measure(api.url, read);
      measurements.push(m);
      console.log(
        `read p99 idle ${m.idleP99.toFixed(2)} ms, under a flood of ${FLOOD_PER_SECOND}/s ${m.floodedP99.toFixed(2)} ms (${m.idleReads} / ${m.floodedReads} reads; medians ${m.idleP50.toFixed(2)} / ${m.floodedP50.toFixed(2)} ms; load average ${loadavg()[0].toFixed(1)}); flood answers`,
        m.answers,
      );
      if (m.floodedP99 <= 2 * m.idleP99) break;
    }
    const best = measurements.reduce((a, b) =>
      b.floodedP99 / b.idleP99 < a.floodedP99 / a.idleP99 ? b : a,
    );
    expect(best.floodedP99).toBeLessThanOrEqual(2 * best.idleP99);
    // Each flooding address fails its budget, then once per refill interval (60 s / FAILURES)
    // once its block is over: every other wrong key of the flood is a 429, with no lookup.
    const { seconds, answers } = best;
    const allowedFailures = FLOOD_ADDRESSES * (FAILURES + Math.ceil((seconds * FAILURES) / 60) + 1);
    expect(answers['401'] ?? 0).toBeLessThanOrEqual(allowedFailures);
    expect(answers['429'] ?? 0).toBeGreaterThan(0);
  });
});

const ROUNDS = 8;
const SAMPLES = 200;

/** The latencies, in ms, of at least SAMPLES sequential calls (MIN_WINDOW_MS), each answered 200. */
async function timed(call: () => Promise<Response>): Promise<number[]> {
  const ms: number[] = [];
  const until = performance.now() + MIN_WINDOW_MS;
  while (ms.length < SAMPLES || performance.now() < until) {
    const start = performance.now();
    const res = await call();
    const body = await res.text();
    ms.push(performance.now() - start);
    if (res.status !== 200) throw new Error(`read answered ${res.status}: ${body}`);
  }
  return ms;
}

/** ROUNDS idle windows interleaved with ROUNDS flooded ones; the p99 and median of each side. */
async function measure(url: string, read: () => Promise<Response>) {
  const started = performance.now();
  const idle: number[] = [];
  const flooded: number[] = [];
  const flood = startFlood(url, FLOOD_PER_SECOND);
  let answers: Record<string, number>;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      idle.push(...(await timed(read)));
      await flood.resume();
      flooded.push(...(await timed(read)));
      flood.pause();
    }
  } finally {
    answers = await flood.stop();
  }
  return {
    idleP99: p(idle, 0.99),
    floodedP99: p(flooded, 0.99),
    idleP50: p(idle, 0.5),
    floodedP50: p(flooded, 0.5),
    idleReads: idle.length,
    floodedReads: flooded.length,
    answers,
    seconds: (performance.now() - started) / 1000,
  };
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * q) - 1];

/**
 * Random well-formed keys at `perSecond`, from FLOOD_ADDRESSES addresses, in a process of its own at a low
 * priority (its work must not delay the measuring client's event loop); paused until resume(), which resolves once
 * its next answer arrives. stop() returns the count of each status it got.
 */
function startFlood(url: string, perSecond: number) {
  const script = `
    const { randomBytes } = require('node:crypto');
    const counts = {};
    let sent = 0, running = false, tell = false, start = 0, base = 0;
    process.on('SIGUSR1', () => { running = true; tell = true; start = performance.now(); base = sent; });
    process.on('SIGUSR2', () => { running = false; });
    const timer = setInterval(() => {
      if (!running) return;
      const due = base + Math.floor(((performance.now() - start) / 1000) * ${perSecond});
      while (sent < due) {
        const n = sent++;
        fetch(${JSON.stringify(url)} + '/v1/documents?limit=1', { headers: {
          Authorization: 'Bearer dsk_' + randomBytes(32).toString('base64url'),
          'X-Forwarded-For': '10.66.' + (n % ${FLOOD_ADDRESSES}) + '.1',
        } }).then(async (r) => { await r.arrayBuffer(); counts[r.status] = (counts[r.status] ?? 0) + 1;
          if (tell) { tell = false; process.stdout.write('answered\\n'); } },
          () => { counts.error = (counts.error ?? 0) + 1; });
      }
    }, 5);
    process.on('SIGTERM', () => { clearInterval(timer);
      setTimeout(() => { process.stdout.write(JSON.stringify(counts) + '\\n'); process.exit(0); }, 300); });
    process.stdout.write('ready\\n');
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // What is measured is what the flood costs the instance, not what sending it costs: the sender
  // yields the CPU to the measuring client and the instance on this shared machine.
  setPriority(child.pid!, 15);
  let out = '';
  let waiting: { marker: number; resolve: () => void } | undefined;
  const count = () => out.split('\n').filter((l) => l === 'answered' || l === 'ready').length;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (waiting && count() >= waiting.marker) waiting.resolve();
  });
  let signalled = 1; // 'ready' is the first line
  const next = () =>
    new Promise<void>((resolve) => {
      if (count() >= signalled) return resolve();
      waiting = { marker: signalled, resolve };
    });
  return {
    async resume(): Promise<void> {
      await next(); // ready, or the previous window answered
      signalled++;
      child.kill('SIGUSR1');
      await next();
    },
    pause(): void {
      child.kill('SIGUSR2');
    },
    async stop(): Promise<Record<string, number>> {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    },
  };
}
