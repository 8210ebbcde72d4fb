/**
 * Interleaved rounds, shared by compare mode (compare.ts) and the benches (bench/comparison.ts):
 * the host's speed drifts within a session (SPEC.md, Targets), so a ratio is only worth something
 * when both sides ran at the same time. Every configuration runs once per round, the order
 * rotated each round (A B C, B C A, ...) so none always goes first or last; ratios to the
 * baseline are taken round by round, and a figure over rounds is their median.
 */

/** The middle value (the upper one of an even count); 0 for none. */
export const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0;

export interface Rounds<S> {
  /** Each configuration's samples, one per round, by name, in the order given. */
  samples: Map<string, S[]>;
  /** Each configuration's rate divided by the baseline's in the same round, by name. */
  ratios: Map<string, number[]>;
}

/**
 * Runs `measure` for every configuration in each of `rounds` rounds, in rotated order; `rate`
 * (e.g. req/s) of each sample divided by the `baseline` configuration's in the same round.
 */
export async function interleave<C extends { name: string }, S>(
  configs: C[],
  rounds: number,
  baseline: string,
  measure: (config: C, round: number) => Promise<S>,
  rate: (sample: S) => number,
): Promise<Rounds<S>> {
  const samples = new Map<string, S[]>(configs.map((c) => [c.name, []]));
  const ratios = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = configs.map((_, i) => configs[(i + round) % configs.length]);
    const thisRound = new Map<string, number>();
    for (const config of order) {
      const sample = await measure(config, round);
      samples.get(config.name)!.push(sample);
      thisRound.set(config.name, rate(sample));
    }
    const base = thisRound.get(baseline);
    if (base) for (const c of configs) ratios.get(c.name)!.push(thisRound.get(c.name)! / base);
  }
  return { samples, ratios };
}
