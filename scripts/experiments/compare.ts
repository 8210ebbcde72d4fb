/**
 * Compare mode: one scenario over several toggle sets, interleaved in rounds (rounds.ts). Toggle
 * sets are applied at runtime through the admin endpoint, so the processes, their warm JIT and
 * pools are the same for every configuration. Ratios are to the first configuration.
 */
import { cpuMicrosPerRequest } from './phases';
import { mergeExpectations } from './expectations';
import { tenths } from './recorder';
import { interleave, median } from './rounds';
import type { ConfigurationResult } from './run-report';
import { runConfiguration, RunOptions } from './runner';
import { asBooleans, parseToggleSet, setToggles, ToggleValues } from './toggles';

export interface NamedToggles {
  name: string;
  toggles: Record<string, string>;
}

/** `"defaults|CACHE_L1=off,CACHE_L2=off"` (`--compare`) as configurations, named by their text. */
export function parseConfigurations(text: string): NamedToggles[] {
  return text.split('|').map((name) => ({ name: name.trim(), toggles: parseToggleSet(name) }));
}

/** The runtime values that make `config` current: its own, and null for the others' names. */
function valuesFor(config: NamedToggles, all: NamedToggles[]): ToggleValues {
  const names = new Set(all.flatMap((c) => Object.keys(c.toggles)));
  const own = asBooleans(config.toggles);
  return Object.fromEntries([...names].map((n) => [n, own[n] ?? null]));
}

/** Rounds of one slice per configuration; one merged ConfigurationResult per configuration. */
export async function runCompare(
  options: RunOptions,
  configs: NamedToggles[],
  rounds: number,
  log: (line: string) => void,
): Promise<{ results: ConfigurationResult[]; ratios: Map<string, number[]> }> {
  const slice = { ...options, seconds: Math.max(1, options.seconds / rounds) };
  try {
    const { samples, ratios } = await interleave(
      configs,
      rounds,
      configs[0].name,
      async (config, round) => {
        await setToggles(options.topology, valuesFor(config, configs));
        const result = await runConfiguration(slice, config.name, config.toggles);
        log(
          `round ${round + 1}/${rounds} ${config.name}: ${Math.round(result.summary.rps)} req/s, ` +
            `p99 ${result.summary.p99.toFixed(1)} ms`,
        );
        return result;
      },
      (result) => result.summary.rps,
    );
    const results = configs.map((c) => merge(c, samples.get(c.name)!));
    return { results, ratios };
  } finally {
    // Back to the environment's values: the next run starts from the same place.
    if (configs.length > 1)
      await setToggles(options.topology, valuesFor({ name: '', toggles: {} }, configs));
  }
}

/** One result from a configuration's slices: series laid end to end, counts summed. */
function merge(config: NamedToggles, parts: ConfigurationResult[]): ConfigurationResult {
  if (parts.length === 1) return parts[0];
  let offset = 0;
  const series = [];
  const events = [];
  const phases = [];
  const at = (t: number) => tenths(t + offset);
  for (const p of parts) {
    series.push(...p.series.map((s) => ({ ...s, t: at(s.t) })));
    events.push(...p.events.map((e) => ({ ...e, t: e.t + offset })));
    // Each round's phases, in turn (a flip happens in every round).
    phases.push(...(p.phases ?? []).map((ph) => ({ ...ph, from: at(ph.from), to: at(ph.to) })));
    offset += p.series.at(-1)?.t ?? 0;
  }
  const statuses: Record<string, number> = {};
  for (const p of parts) {
    for (const [s, n] of Object.entries(p.summary.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  }
  const of = (k: 'p50' | 'p95' | 'p99' | 'rps') => median(parts.map((p) => p.summary[k]));
  const extra = Object.assign({}, ...parts.map((p) => p.extra ?? {})) as Record<
    string,
    number | string
  >;
  return {
    name: config.name,
    toggles: config.toggles,
    summary: {
      requests: parts.reduce((a, p) => a + p.summary.requests, 0),
      // Medians over rounds, like the ratios: one slow round must not decide the figure.
      rps: of('rps'),
      p50: of('p50'),
      p95: of('p95'),
      p99: of('p99'),
      errors: parts.reduce((a, p) => a + p.summary.errors, 0),
      statuses,
    },
    series,
    events,
    phases: phases.length ? phases : undefined,
    extra: Object.keys(extra).length ? extra : undefined,
    expectations: parts.some((p) => p.expectations) ? mergeExpectations(parts) : undefined,
  };
}

/** The summary table: one line per configuration, ratios vs the first. */
export function formatTable(results: ConfigurationResult[], ratios: Map<string, number[]>): string {
  const width = Math.max(14, ...results.map((r) => r.name.length));
  const head = `${'configuration'.padEnd(width)}  req/s  vs ${results[0].name}  p50 ms  p95 ms  p99 ms  errors  CPU µs/req`;
  const lines = results.map((r) => {
    const ratio = ratios.get(r.name) ?? [];
    const cpuPerReq = cpuMicrosPerRequest(r.series);
    return [
      r.name.padEnd(width),
      String(Math.round(r.summary.rps)).padStart(6),
      (ratio.length ? median(ratio).toFixed(2) : '-').padStart(4 + results[0].name.length),
      r.summary.p50.toFixed(1).padStart(6),
      r.summary.p95.toFixed(1).padStart(6),
      r.summary.p99.toFixed(1).padStart(6),
      String(r.summary.errors).padStart(6),
      (cpuPerReq === null ? '-' : cpuPerReq.toFixed(0)).padStart(10),
    ].join('  ');
  });
  return [head, ...lines].join('\n');
}
