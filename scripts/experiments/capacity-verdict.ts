/**
 * Which resource gave out when a capacity run broke its SLO, or that none measured did. Problem:
 * naming the busiest resource at the break blames one at 64 % for a latency it did not cause, and
 * the reader goes tuning the wrong thing. Mechanism: only a resource at or above SATURATION can
 * bind; among those, the highest, ties going to the steepest rise from the knee. None near
 * saturation: say so, with the readings that point at what is not measured (LATENCY_EVIDENCE).
 * Failure mode: a resource that saturates in bursts shorter than a step shows a low mean and is
 * missed; the evidence and the time-series charts are where to look then.
 */
import type { CapacityProfile, CapacityStep, UnsaturatedBreak } from './capacity';

/**
 * Utilisations within this of the highest are a tie: the samples are noisy by a point or two, so
 * 0.97 against 0.98 says nothing about which resource gave out.
 */
const BINDING_TIE_TOLERANCE = 0.02;

/**
 * From this share of its limit a resource counts as near saturation. A queue's mean wait grows as
 * u ÷ (1 − u) service times (M/M/1): 4 at 0.8, 1.5 at 0.6. Below 0.8 a resource adds latency, but
 * rarely the many-fold jump that breaks an SLO set far above the service time. A documented line,
 * not a law: a resource that is bursty within a step can queue at a lower mean utilisation.
 */
export const SATURATION = 0.8;

/**
 * Readings that are no limit the service runs into, but show where latency nothing saturated can
 * come from: GC pauses, tasks waiting for a core, a hypervisor taking the CPU, the harness itself.
 */
export const LATENCY_EVIDENCE: readonly string[] = [
  'gc-pause',
  'run-queue',
  'cpu-steal',
  'load-generator',
];

/**
 * Among the resources at or above SATURATION at the break, the highest: a resource near its limit
 * is where requests queue. Utilisations within 0.02 of the highest tie, and the tie goes to the
 * steepest rise from the knee to the break (from 0 when the first step broke): the resource that
 * went non-linear is the one that gave out, the other was merely busy. This relies on each
 * utilisation being normalised to its own limit; a metric that only rises after saturation (pool
 * wait share) can be under-ranked. Null when none is near saturation.
 */
export function bindingAt(
  names: string[],
  knee: CapacityStep | null,
  broken: CapacityStep,
): CapacityProfile['bindingConstraint'] {
  const near = names.filter((name) => broken.resources[name] >= SATURATION);
  if (near.length === 0) return null;
  const highest = Math.max(...near.map((name) => broken.resources[name]));
  const rise = (name: string) => broken.resources[name] - (knee ? knee.resources[name] : 0);
  const [resource] = near
    .filter((name) => broken.resources[name] >= highest - BINDING_TIE_TOLERANCE)
    .sort((a, b) => rise(b) - rise(a) || broken.resources[b] - broken.resources[a]);
  return {
    resource,
    utilisationAtKnee: knee ? knee.resources[resource] : null,
    utilisationAtBreak: broken.resources[resource],
  };
}

export function unsaturated(names: string[], broken: CapacityStep): UnsaturatedBreak {
  const [busiest] = [...names].sort((a, b) => broken.resources[b] - broken.resources[a]);
  return {
    busiest: busiest ?? null,
    utilisation: busiest ? broken.resources[busiest] : 0,
    evidence: Object.fromEntries(
      LATENCY_EVIDENCE.filter((name) => names.includes(name)).map((name) => [
        name,
        broken.resources[name],
      ]),
    ),
  };
}

/** The binding constraint in one line, for the terminal and the report. */
export function describeBinding(profile: CapacityProfile): string {
  const percent = (v: number) => `${Math.round(v * 100)}%`;
  const { bindingConstraint: binding, unsaturatedBreak: none } = profile;
  if (binding) return `${binding.resource} (${percent(binding.utilisationAtBreak)} at the break)`;
  if (!none) return 'none observed: the SLO held at every step';
  const evidence = Object.entries(none.evidence).map(([name, v]) => `${name} ${percent(v)}`);
  return (
    `no measured resource near saturation (≥ ${percent(profile.saturation)}; busiest: ` +
    `${none.busiest ?? 'none recorded'} at ${percent(none.utilisation)}` +
    (evidence.length ? `; ${evidence.join(', ')}` : '') +
    '): the latency comes from something not measured (contention, GC pauses, the load generator)'
  );
}
