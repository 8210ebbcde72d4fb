/**
 * `npm run experiment -- <scenario>[,<scenario>...] [--toggle CACHE_L1=off ...] [--duration 20s]
 *   [--compare "defaults|CACHE_L1=off"] [--rounds 3] [--flip 10s:CACHE_L1=off ...] [--smoke]
 *   [--out reports] [--documents 10000] [--warm-up 20s]`, and for `capacity`: `[--slo-ms 200] [--start-rps 500]
 *   [--max-steps 10] [--current-rps N --growth 3x/6mo]`.
 * Brings up the topology once (topology.ts), runs each scenario on it, writes
 * `<out>/<timestamp>-<scenario>/` (report.json + index.html) for each, prints the tables and paths.
 * `--smoke`: a tiny seed, 1 s of warm-up and 2 s per configuration, for CI.
 */
import { parseConfigurations } from './compare';
import { runExperiment } from './experiment';
import { runLoad } from './load';
import { LoadRecorder } from './recorder';
import { Progress } from './progress';
import { Flip } from './runner';
import { stack } from './scenario-context';
import { SCENARIOS } from './scenarios';
import { asBooleans, parseToggleSet } from './toggles';
import { startTopology, Topology } from './topology';
import { ZipfSampler } from './zipf';
import { parseCommandLine, UsageError } from '../command-line';
import { describeRuntime } from '../runtime';

const NAMES = [...Object.keys(SCENARIOS), 'capacity'];
const USAGE = `usage: npm run experiment -- <scenario>[,<scenario>...] [options]

scenarios: ${NAMES.join(', ')} (docs/experiments.md says what each shows)

options:
  --duration 20s           length of each configuration's run (20s, 1500ms)
  --warm-up 20s            reads before measuring
  --toggle KEY=on|off      a toggle for the whole run (repeatable), e.g. --toggle CACHE_L1=off
  --compare "a|b"          configurations to compare, e.g. "defaults|CACHE_L1=off,CACHE_L2=off"
                           (without it: defaults, or the scenario's own, e.g. shedding on|off)
  --rounds N               interleaved rounds per configuration
  --flip 10s:KEY=off,...   flip toggles mid-run (repeatable)
  --documents 10000        documents seeded
  --out reports            where report.json and index.html go
  --smoke                  a tiny seed, 1 s of warm-up and 2 s per configuration (CI)
capacity only (--slo-ms is shedding's SLO too):
  --slo-ms 200 --start-rps N --max-steps 10 --current-rps N --growth 3x/6mo
  -h, --help               this text`;

/** `20s`, `20` or `1500ms`, in seconds. */
function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) throw new UsageError(`"${text}" is not a duration; write 20s or 1500ms`);
  return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
}

/** `10s:CACHE_L1=off,CACHE_L2=off`. */
function parseFlip(text: string): Flip {
  const i = text.indexOf(':');
  if (i < 0) {
    throw new UsageError(`--flip "${text}": write <when>:<toggles>, e.g. 10s:CACHE_L1=off`);
  }
  const label = text.slice(i + 1);
  return { atSeconds: seconds(text.slice(0, i)), label, values: asBooleans(parseToggleSet(label)) };
}

/** The command line (../command-line.ts: --help, and a mistake printed with the usage, exit 2). */
function parse(args: string[]) {
  const { values, positionals } = parseCommandLine(
    USAGE,
    {
      toggle: { type: 'string', multiple: true, default: [] },
      flip: { type: 'string', multiple: true, default: [] },
      duration: { type: 'string', default: '20s' },
      compare: { type: 'string' },
      rounds: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string', default: 'reports' },
      documents: { type: 'string' },
      'warm-up': { type: 'string', default: '20s' },
      'slo-ms': { type: 'string', default: '200' },
      'start-rps': { type: 'string' },
      'max-steps': { type: 'string' },
      'current-rps': { type: 'string' },
      growth: { type: 'string' },
    },
    args,
  );
  const scenarios = (positionals[0] ?? '').split(',').filter(Boolean);
  const unknown = scenarios.filter((s) => !NAMES.includes(s));
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}`);
  if (!scenarios.length) throw new UsageError('name a scenario');
  return { scenarios, values };
}

const optionalNumber = (text: string | undefined) =>
  text === undefined ? undefined : Number(text);

/**
 * Reads before measuring: a fresh process runs its first seconds interpreted, with empty pools
 * and caches, and would make whichever configuration goes first look slow. 5 s was not enough
 * here: throughput of the same configuration kept climbing over the first three 20 s rounds (V8
 * tiers functions up under steady load, and the L2 fills over the Zipf tail), so 20 s by default.
 */
async function warmUp(topology: Topology, seconds: number, progress: Progress): Promise<void> {
  const zipf = new ZipfSampler(topology.ids, { seed: 1 });
  await progress.step(`warm-up: ${seconds} s of reads`, () =>
    runLoad({
      url: topology.url,
      connections: 20,
      seconds,
      headers: { authorization: `Bearer ${topology.key}` },
      requests: [{ setupRequest: (r) => ({ ...r, path: `/v1/documents/${zipf.next()}` }) }],
      recorder: new LoadRecorder(),
    }),
  );
}

async function main(): Promise<void> {
  const { scenarios, values } = parse(process.argv.slice(2));
  const smoke = values.smoke;
  // Without --compare each scenario runs in its own configurations (scenarios.ts).
  const configs = values.compare === undefined ? undefined : parseConfigurations(values.compare);
  const flips = values.flip.map(parseFlip);
  // Read before the topology starts: a typo must not cost a minute of setup first.
  const runSeconds = smoke ? 2 : seconds(values.duration);
  const warmUpSeconds = smoke ? 1 : seconds(values['warm-up']);
  console.log(`docscale experiment ${scenarios.join(', ')} on ${describeRuntime()}`);
  const progress = new Progress();
  const topology = await startTopology({
    progress,
    documents: Number(values.documents ?? (smoke ? 200 : 10_000)),
    toggles: parseToggleSet(values.toggle.join(',')),
  });
  // Ctrl-C mid-run: the runner's `finally` never runs, so undo every fault a scenario can inject
  // (all idempotent) and stop the processes, nginx included (it runs in its own process group).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: restoring the stack and stopping the topology...`);
      const restore = [
        stack('start-member', 'redis'),
        stack('start-member', 'primary'),
        stack('replica-delay', '0'),
      ];
      void Promise.allSettled(restore)
        .then(() => topology.stop())
        .finally(() => process.exit(130));
    });
  }
  try {
    if (!topology.pinned) console.log('taskset unavailable: the load generator is not pinned');
    await warmUp(topology, warmUpSeconds, progress);
    for (const scenario of scenarios) {
      const summary = await runExperiment(
        scenario,
        topology,
        {
          seconds: runSeconds,
          smoke,
          configs,
          rounds: optionalNumber(values.rounds),
          flips,
          envToggles: values.toggle.join(','),
          out: values.out,
          progress,
          capacity: {
            sloMs: Number(values['slo-ms']),
            startRps: optionalNumber(values['start-rps']),
            maxSteps: optionalNumber(values['max-steps']),
            currentRps: optionalNumber(values['current-rps']),
            growth: values.growth,
          },
        },
        (line) => console.log(line),
      );
      console.log(summary);
    }
  } finally {
    await topology.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    if (err instanceof UsageError) {
      console.error(`experiment: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`experiment failed: ${err.message}`);
    process.exit(1);
  },
);
