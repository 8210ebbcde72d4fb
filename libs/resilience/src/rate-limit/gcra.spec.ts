import { emission, gcra, leaseTokens, type GcraDecision } from './gcra';

const MS = 1000; // µs per ms
const START_US = 1_750_000_000_000 * MS; // an epoch-sized clock, as Redis TIME gives

/** A bucket held the way the stores hold it: the TAT is stored only when a request is admitted. */
function bucket(limit: number, windowMs: number) {
  let tat: number | undefined;
  return (nowUs: number): GcraDecision => {
    const decision = gcra(tat, nowUs, limit, windowMs);
    if (decision.allowed) tat = decision.newTatUs;
    return decision;
  };
}

function takeMany(take: (nowUs: number) => GcraDecision, nowUs: number, n: number): boolean[] {
  return Array.from({ length: n }, () => take(nowUs).allowed);
}

describe('gcra', () => {
  it('admits a burst of exactly the limit at one instant, then refuses', () => {
    const take = bucket(10, 60_000);

    const admitted = takeMany(take, START_US, 15);

    expect(admitted).toEqual([...Array(10).fill(true), ...Array(5).fill(false)]);
  });

  it('admits no second burst across a window boundary, where a fixed window would admit 2L', () => {
    const take = bucket(10, 1000); // T = 100 ms
    const lateInWindow = START_US + 999 * MS;

    expect(takeMany(take, lateInWindow, 10).every(Boolean)).toBe(true);
    expect(takeMany(take, lateInWindow + 2 * MS, 10).some(Boolean)).toBe(false);
  });

  it('loses no token of the burst to rounding when the interval is not a whole number of ms', () => {
    const take = bucket(3, 1000); // T = 333.333 ms

    expect(takeMany(take, START_US, 4)).toEqual([true, true, true, false]);
    expect(emission(3, 1000)).toEqual({ intervalUs: 333_333, burstUs: 999_999 });
  });

  it('gives back one token per emission interval, not before', () => {
    const take = bucket(4, 1000); // T = 250 ms
    takeMany(take, START_US, 4);

    for (let k = 1; k <= 8; k++) {
      const due = START_US + k * 250 * MS;
      expect(take(due - 1).allowed).toBe(false);
      expect(take(due)).toMatchObject({ allowed: true, remaining: 0 });
      expect(take(due).allowed).toBe(false);
    }
  });

  it('reports remaining, retry-after and reset exactly', () => {
    const take = bucket(4, 1000); // T = 250 ms

    expect(take(START_US)).toEqual({
      allowed: true,
      remaining: 3,
      retryAfterMs: 0,
      resetMs: 250,
      newTatUs: START_US + 250 * MS,
    });
    takeMany(take, START_US, 2);
    expect(take(START_US)).toMatchObject({ allowed: true, remaining: 0, resetMs: 1000 });
    expect(take(START_US)).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterMs: 250,
      resetMs: 1000,
    });
    expect(take(START_US + 100 * MS)).toMatchObject({
      allowed: false,
      retryAfterMs: 150,
      resetMs: 900,
    });
    // Half a window later two tokens are back: this request takes one, one is left.
    expect(take(START_US + 500 * MS)).toMatchObject({ allowed: true, remaining: 1, resetMs: 750 });
  });

  it('rounds retry-after and reset up to the next ms, so a client that waits them is admitted', () => {
    const take = bucket(3, 1000); // T = 333.333 ms
    takeMany(take, START_US, 3);

    const refused = take(START_US);

    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 334, resetMs: 1000 });
    expect(take(START_US + refused.retryAfterMs * MS).allowed).toBe(true);
  });

  it('does not bank more than the limit over a long idle period', () => {
    const take = bucket(5, 1000);
    take(START_US);

    const later = START_US + 3_600_000 * MS;

    expect(take(later).remaining).toBe(4);
    expect(takeMany(take, later, 5)).toEqual([true, true, true, true, false]);
  });

  it('never stores a refused request: refusals do not push the next token further away', () => {
    const take = bucket(2, 1000);
    takeMany(take, START_US, 2);
    for (let i = 0; i < 100; i++) expect(take(START_US + i * MS).allowed).toBe(false);

    expect(take(START_US + 500 * MS).allowed).toBe(true);
  });

  describe('over a long run', () => {
    // A seeded generator: the run is random-looking but the same every time.
    function lcg(seed: number): () => number {
      let state = seed >>> 0;
      return () => {
        state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
        return state / 2 ** 32;
      };
    }

    const cases = [
      { limit: 10, windowMs: 1000, meanGapUs: 20_000, seed: 1 },
      { limit: 7, windowMs: 1000, meanGapUs: 50_000, seed: 2 },
      { limit: 1000, windowMs: 60_000, meanGapUs: 10_000, seed: 3 },
      { limit: 3, windowMs: 10, meanGapUs: 1_000, seed: 4 },
    ];

    it.each(cases)(
      'admits L + elapsed/T, give or take one (L=$limit per $windowMs ms)',
      ({ limit, windowMs, meanGapUs, seed }) => {
        // Requests arrive about five times faster than the rate, in random bursts and lulls.
        const random = lcg(seed);
        const take = bucket(limit, windowMs);
        const { intervalUs } = emission(limit, windowMs);
        let now = START_US;
        let admitted = 0;
        for (let i = 0; i < 200_000; i++) {
          now += Math.floor(random() * 2 * meanGapUs);
          if (take(now).allowed) admitted++;
        }

        const bound = limit + Math.floor((now - START_US) / intervalUs);
        expect(admitted).toBeLessThanOrEqual(bound);
        // Gaps stay under T, so the bucket never sits full and at most one token is left unused.
        expect(admitted).toBeGreaterThanOrEqual(bound - 1);
      },
    );

    it('admits everything while requests arrive slower than the rate', () => {
      const take = bucket(10, 1000); // T = 100 ms
      const random = lcg(5);
      let now = START_US;
      const remaining = new Set<number>();
      for (let i = 0; i < 10_000; i++) {
        now += 100 * MS + Math.floor(random() * 50 * MS);
        const decision = take(now);
        remaining.add(decision.allowed ? decision.remaining : -1);
      }

      expect([...remaining]).toEqual([9]);
    });
  });

  describe('leaseTokens', () => {
    it('grants as many tokens as that many single takes would admit, and leaves the same TAT', () => {
      for (const want of [1, 3, 10, 11, 50]) {
        const take = bucket(10, 1000);
        const singles = takeMany(take, START_US, want).filter(Boolean).length;
        const single = take(START_US); // the TAT the single takes left, read back via a refusal

        const lease = leaseTokens(undefined, START_US, 10, 1000, want);

        expect(lease.granted).toBe(singles);
        expect(lease.remaining).toBe(10 - singles);
        if (singles === 10) expect(lease.resetMs).toBe(single.resetMs);
      }
    });

    it('refuses with the single take’s retry-after when the bucket is empty', () => {
      const full = leaseTokens(undefined, START_US, 4, 1000, 4);
      const refused = leaseTokens(full.newTatUs, START_US + 100 * MS, 4, 1000, 2);

      expect(refused).toMatchObject({ granted: 0, remaining: 0, retryAfterMs: 150, resetMs: 900 });
      expect(refused.newTatUs).toBe(full.newTatUs);
    });

    it('gives back unused tokens, which the next lease can take again', () => {
      const leased = leaseTokens(undefined, START_US, 10, 1000, 8); // 8 out, 2 left

      const returned = leaseTokens(leased.newTatUs, START_US, 10, 1000, 0, 5);
      expect(returned).toMatchObject({ granted: 0, remaining: 7 });
      expect(leaseTokens(returned.newTatUs, START_US, 10, 1000, 10).granted).toBe(7);
    });

    it('never makes a bucket fuller than full by giving back', () => {
      const leased = leaseTokens(undefined, START_US, 10, 1000, 4);
      // Half a second later five tokens are back on their own; giving four back overflows.
      const later = START_US + 500 * MS;

      const returned = leaseTokens(leased.newTatUs, later, 10, 1000, 0, 4);

      expect(returned.newTatUs).toBe(later);
      expect(leaseTokens(returned.newTatUs, later, 10, 1000, 100).granted).toBe(10);
    });

    it('gives back and takes in one step', () => {
      const leased = leaseTokens(undefined, START_US, 10, 1000, 10);

      expect(leaseTokens(leased.newTatUs, START_US, 10, 1000, 4, 3).granted).toBe(3);
    });
  });
});
