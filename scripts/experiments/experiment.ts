/**
 * One scenario on a running topology, written as a report: the plain scenarios (alone or in
 * compare mode) and `capacity` (stepped load, capacity profile, doomsday clock).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
// pattern:shedding:begin
import { AppConfig } from '../../src/config';
// pattern:shedding:end
import { describeBinding } from './capacity-verdict';
import { doomsday, formatDoomsday } from './doomsday';
import { parseGrowth } from './growth';
import { apiCores, runCapacity } from './capacity-run';
import { formatTable, NamedToggles, parseConfigurations, runCompare } from './compare';
import { formatExpectations } from './expectations';
import { formatPhases } from './phases';
import type { Progress } from './progress';
import { writeReport } from './report';
import type { RunReport } from './run-report';
import { Flip, RunOptions } from './runner';
import { CONFIGURATIONS, SCENARIOS } from './scenarios';
import { clearRuntimeToggles } from './toggles';
import type { Topology } from './topology';

export interface ExperimentOptions {
  seconds: number;
  smoke: boolean;
  /** `--compare`; absent: the scenario's own (scenarios.ts CONFIGURATIONS), or defaults. */
  configs?: NamedToggles[];
  rounds?: number;
  flips: Flip[];
  /** Toggles given to the processes' environment (`--toggle`), for the report. */
  envToggles: string;
  out: string;
  /** Each second of each run (progress.ts). */
  progress: Progress;
  capacity: {
    /** The p99 bound in ms (`--slo-ms`); the scenarios that judge latency hold to it too. */
    sloMs: number;
    startRps?: number;
    maxSteps?: number;
    currentRps?: number;
    growth?: string;
  };
}

/** Runs `scenario`, writes its report and returns the summary to print. */
export async function runExperiment(
  scenario: string,
  topology: Topology,
  o: ExperimentOptions,
  log: (line: string) => void,
): Promise<string> {
  const startedAt = new Date();
  await clearRuntimeToggles(topology); // a crashed earlier run may have left a flip behind
  const run: RunOptions = {
    topology,
    scenario: SCENARIOS[scenario] ?? SCENARIOS['read-heavy'],
    seconds: o.seconds,
    smoke: o.smoke,
    sloMs: o.capacity.sloMs,
    progress: o.progress,
    flips: o.flips,
  };
  const report: RunReport = {
    scenario,
    startedAt: startedAt.toISOString(),
    host: {
      cores: cpus().length,
      node: process.version,
      pinned: topology.pinned,
      documents: topology.ids.length,
      toggles: o.envToggles || 'defaults',
    },
    durationSeconds: o.seconds,
    configurations: [],
  };
  let table: string;
  if (scenario === 'capacity') {
    const c = o.capacity;
    const { results, profile } = await runCapacity(
      run,
      {
        sloP99Ms: c.sloMs,
        startRps: c.startRps ?? (o.smoke ? 50 : 500),
        factor: 1.5,
        maxSteps: c.maxSteps ?? (o.smoke ? 2 : 10),
        apiCores: apiCores(topology.pinned),
        machineCores: cpus().length,
        // pattern:shedding:begin
        eventLoopLimitMs: AppConfig.load().env.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
        // pattern:shedding:else
        // // Nothing bounds the loop's delay without load shedding: 200 ms is where it would shed.
        // eventLoopLimitMs: 200,
        // pattern:shedding:end
      },
      log,
    );
    report.configurations = results;
    table =
      `max sustainable ${Math.round(profile.maxSustainableRps)} req/s at p99 ≤ ${c.sloMs} ms; ` +
      `binding constraint: ${describeBinding(profile)}`;
    let clock: ReturnType<typeof doomsday> | undefined;
    if (c.currentRps !== undefined && c.growth) {
      clock = doomsday(profile, {
        currentRps: c.currentRps,
        growth: parseGrowth(c.growth),
        now: startedAt,
      });
      table += `\n${formatDoomsday(clock, startedAt)}`;
    }
    report.capacity = { profile, doomsday: clock };
  } else {
    const configs = o.configs ?? parseConfigurations(CONFIGURATIONS[scenario] ?? 'defaults');
    const rounds = o.rounds ?? (o.smoke || configs.length === 1 ? 1 : 3);
    const { results, ratios } = await runCompare(run, configs, rounds, log);
    report.configurations = results;
    table = formatTable(results, ratios);
    const phases = formatPhases(results);
    if (phases) table += `\n\nphases, cut at each flip or fault:\n${phases}`;
  }
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const { htmlPath } = await writeReport(report, join(o.out, `${stamp}-${scenario}`));
  const extras = report.configurations
    .filter((c) => c.extra)
    .map((c) => `${c.name}: ${JSON.stringify(c.extra)}\n`)
    .join('');
  const where = topology.pinned ? ', API on core 0, load on core 1' : '';
  const expectations = formatExpectations(report.configurations);
  return (
    `\n${scenario}, ${o.seconds} s per configuration${where}\n${extras}${table}\n\nreport: ${htmlPath}` +
    (expectations ? `\n\n${expectations}` : '')
  );
}
