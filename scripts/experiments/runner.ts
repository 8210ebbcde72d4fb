/**
 * Runs one scenario under one configuration (a toggle set) and returns its ConfigurationResult:
 * the sampler's time series, the load generator's summary and the events (toggle flips, faults)
 * at the second they took effect. Compare mode (compare.ts) calls it once per configuration and
 * round.
 */
import { startLoad } from './load';
import { splitPhases } from './phases';
import type { Progress } from './progress';
import { LoadRecorder, percentile, tenths } from './recorder';
import type { ConfigurationResult, RunEvent } from './run-report';
import { Sampler } from './sampler';
import type { Scenario, ScenarioContext } from './scenario-context';
import { setToggles, ToggleValues } from './toggles';
import type { Topology } from './topology';
import { ZipfSampler } from './zipf';

/** A toggle flip during the run: `--flip 10s:CACHE_L1=off`. */
export interface Flip {
  atSeconds: number;
  label: string;
  values: ToggleValues;
}

export interface RunOptions {
  topology: Topology;
  scenario: Scenario;
  seconds: number;
  smoke: boolean;
  /** The p99 bound in ms scenarios judge latency against (`--slo-ms`). */
  sloMs: number;
  /** Where each second of the run is shown (progress.ts; SILENT for none). */
  progress: Progress;
  flips: Flip[];
}

export async function runConfiguration(
  options: RunOptions,
  name: string,
  toggles: Record<string, string>,
): Promise<ConfigurationResult> {
  const { topology } = options;
  const recorder = new LoadRecorder();
  const sampler = new Sampler(topology, recorder, (p) =>
    options.progress.tick(name, options.seconds, p),
  );
  const events: RunEvent[] = [];
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<void>[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const headers = { authorization: `Bearer ${topology.key}` };
  const ctx: ScenarioContext = {
    topology,
    seconds: options.seconds,
    smoke: options.smoke,
    sloMs: options.sloMs,
    recorder,
    // The same seed in every configuration: each one reads the same sequence of documents.
    zipf: new ZipfSampler(topology.ids, { seed: 42 }),
    extra: {},
    expectations: [],
    load: (o) =>
      startLoad({
        url: o.url ?? topology.url,
        headers,
        recorder,
        ...o,
      }).done,
    at: (atSeconds, label, action) => {
      const timer = setTimeout(() => {
        const done = action().then(
          () => void events.push({ t: tenths(sampler.now()), label }),
          (err: Error) =>
            void events.push({
              t: tenths(sampler.now()),
              label: `${label} failed: ${err.message}`,
            }),
        );
        pending.push(done);
      }, atSeconds * 1000);
      timers.push(timer);
    },
    mark: (label) => void events.push({ t: tenths(sampler.now()), label }),
    finally: (action) => void cleanups.unshift(action),
  };
  for (const flip of options.flips) {
    ctx.at(flip.atSeconds, flip.label, () => setToggles(topology, flip.values));
  }
  await sampler.start();
  try {
    await options.scenario(ctx);
  } finally {
    timers.forEach(clearTimeout);
    await Promise.all(pending);
    await sampler.stop();
    options.progress.end();
    for (const cleanup of cleanups) await cleanup();
  }
  events.sort((a, b) => a.t - b.t);
  return {
    name,
    toggles,
    summary: summarise(recorder, sampler.now()),
    series: sampler.series,
    events,
    phases: events.length ? splitPhases(sampler.series, events, sampler.latencies) : undefined,
    extra: Object.keys(ctx.extra).length ? ctx.extra : undefined,
    expectations: ctx.expectations.length ? ctx.expectations : undefined,
  };
}

function summarise(recorder: LoadRecorder, seconds: number): ConfigurationResult['summary'] {
  const sorted = [...recorder.all].sort((a, b) => a - b);
  return {
    requests: recorder.requests,
    rps: seconds > 0 ? recorder.requests / seconds : 0,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    errors: recorder.errors,
    statuses: { ...recorder.statuses },
  };
}
