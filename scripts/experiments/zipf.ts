/**
 * Zipf-distributed picks over a fixed set (rank k drawn with probability ∝ 1/k^s): the shape of
 * real read traffic, where a few documents are hot and most are cold, which is what makes a cache
 * worth measuring. A precomputed CDF and a binary search (O(log n) a draw) is twenty lines, so no
 * dependency; the PRNG is seeded so that two configurations of one run see the same sequence.
 */
export class ZipfSampler<T> {
  private readonly cdf: Float64Array;
  private state: number;

  constructor(
    private readonly items: readonly T[],
    { exponent = 1, seed = 42 }: { exponent?: number; seed?: number } = {},
  ) {
    if (!items.length) throw new Error('ZipfSampler needs at least one item');
    this.cdf = new Float64Array(items.length);
    let total = 0;
    for (let k = 0; k < items.length; k++) this.cdf[k] = total += 1 / Math.pow(k + 1, exponent);
    for (let k = 0; k < items.length; k++) this.cdf[k] /= total;
    this.state = seed >>> 0;
  }

  next(): T {
    const u = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo];
  }

  /** mulberry32: tiny, fast and good enough to pick ranks; Math.random cannot be seeded. */
  private random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
