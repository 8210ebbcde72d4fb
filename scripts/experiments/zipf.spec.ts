import { ZipfSampler } from './zipf';

describe('ZipfSampler', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);

  it('picks the first ranks far more often than the tail', () => {
    const zipf = new ZipfSampler(items);
    const counts = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const k = zipf.next();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // With s = 1 over 1000 items, rank 1 has p = 1/H(1000) ≈ 13.4%, rank 2 half of that.
    expect(counts.get(0)! / 100_000).toBeCloseTo(0.134, 1);
    expect(counts.get(0)! / counts.get(1)!).toBeCloseTo(2, 0);
    expect(counts.get(999) ?? 0).toBeLessThan(100);
  });

  it('repeats the same sequence for the same seed', () => {
    const a = new ZipfSampler(items, { seed: 3 });
    const b = new ZipfSampler(items, { seed: 3 });
    const draws = (z: ZipfSampler<number>) => Array.from({ length: 50 }, () => z.next());
    expect(draws(a)).toEqual(draws(b));
  });
});
