/**
 * The capacity model behind the `capacity` scenario and its doomsday clock. Problem: "how much more
 * traffic can we take, and when do we run out?" is answered by guesses unless it is measured.
 * Mechanism: the runner holds a series of rising offered rates; each step records latency, errors,
 * the rate actually achieved and the utilisation (0..1) of each resource. The last step that still
 * meets the SLO is the capacity; the resource highest at the first step that fails is the binding
 * constraint; each resource's utilisation, extrapolated linearly with rate, says when it saturates,
 * and a monthly growth factor (growth.ts) turns rates into dates (doomsday.ts). Failure mode: linear
 * extrapolation is a straight line through the origin. It is optimistic for queues and pools (waiting grows without
 * bound as utilisation nears 1, so latency breaks before 100 %), pessimistic for caches (a warmer,
 * larger working set raises the hit ratio, so the database load grows slower than traffic) and
 * slightly pessimistic for resources with a fixed idle cost (the origin line overstates the slope).
 * The measured knee is the fact; the per-resource dates are estimates. Pure: no I/O, no clock.
 */

/** The recorded steps or options cannot be analysed (empty, unordered, inconsistent). */
export class CapacityInputError extends Error {}

/** One offered rate held for a while, and what the system did with it. */
export interface CapacityStep {
  /** Requests per second the load generator tried to send. */
  offeredRps: number;
  /** Requests per second answered (all statuses). */
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers and transport errors ÷ answers, 0..1. */
  errorRatio: number;
  /**
   * Utilisation of each named resource, 0..1 of its own limit (may exceed 1 when overloaded), e.g.
   * `api-cpu` = busy cores ÷ cores available, `event-loop` = delay ÷ shedding bound, `db-pool` =
   * pool wait share, `queue-drain` = enqueue rate ÷ drain rate. Every step names the same resources.
   */
  resources: Record<string, number>;
}

export interface CapacityOptions {
  /** The latency SLO: a step is sustainable only if its p99 is at most this, in ms. */
  sloP99Ms: number;
  /** Highest error ratio a sustainable step may have, 0..1. @defaultValue 0.01 */
  maxErrorRatio?: number;
  /** Lowest achieved ÷ offered a sustainable step may have, 0..1. @defaultValue 0.95 */
  minAchievedRatio?: number;
}

/** Why a step is not sustainable. */
export type Violation = 'p99' | 'errors' | 'throughput';

export interface AnalysedStep extends CapacityStep {
  sustainable: boolean;
  violations: Violation[];
}

export interface CapacityProfile {
  /** Achieved rate of the last sustainable step before the first unsustainable one; 0 if none. */
  maxSustainableRps: number;
  /** Index of that step: the highest operating point before the curve bends; null if none. */
  kneeIndex: number | null;
  /** Index of the first unsustainable step; null if the SLO held at every step. */
  sloBrokenAt: number | null;
  /** The resource that gave out; null if nothing broke or no resources were recorded. */
  bindingConstraint: {
    resource: string;
    /** Its utilisation at the knee (null when the first step already broke). */
    utilisationAtKnee: number | null;
    /** Its utilisation at the first unsustainable step, the value that chose it. */
    utilisationAtBreak: number;
  } | null;
  /** Per resource, 1 − utilisation at the knee, clamped to 0..1 (0 everywhere when no knee). */
  headroom: Record<string, number>;
  slo: Required<CapacityOptions>;
  steps: AnalysedStep[];
}

/**
 * Utilisations within this of the highest are a tie: the samples are noisy by a point or two, so
 * 0.97 against 0.98 says nothing about which resource gave out.
 */
const BINDING_TIE_TOLERANCE = 0.02;

/**
 * Finds the capacity profile of a stepped load run (steps in rising offered rate). A step is
 * sustainable when p99 ≤ sloP99Ms, errorRatio ≤ maxErrorRatio and achieved ≥ minAchievedRatio ×
 * offered: latency alone misses a system that sheds load fast (errors) or a load generator that
 * could not get its requests in (achieved falls behind). Only the steps before the first failure
 * count: a later step that passes again is noise, not capacity.
 *
 * Binding constraint rule: the resource with the highest utilisation at the first unsustainable
 * step, since a resource near its limit is where requests queue and latency blows up. Utilisations
 * within 0.02 of the highest tie, and the tie goes to the steepest rise from the knee to the
 * break (from 0 when the first step broke): the resource that went non-linear is the one that gave
 * out, the other was merely busy. This relies on each utilisation being normalised to its own
 * limit; a metric that only rises after saturation (pool wait share) can be under-ranked.
 */
export function analyzeCapacity(steps: CapacityStep[], options: CapacityOptions): CapacityProfile {
  const slo = withDefaults(options);
  const names = validate(steps, slo);
  const analysed = steps.map((step) => analyseStep(step, slo));
  const broken = analysed.findIndex((step) => !step.sustainable);
  const sloBrokenAt = broken === -1 ? null : broken;
  const kneeIndex = sloBrokenAt === null ? steps.length - 1 : sloBrokenAt === 0 ? null : broken - 1;
  const knee = kneeIndex === null ? null : steps[kneeIndex];
  const headroom = Object.fromEntries(
    names.map((name) => [name, knee ? Math.min(1, Math.max(0, 1 - knee.resources[name])) : 0]),
  );
  const bindingConstraint =
    sloBrokenAt === null ? null : bindingAt(names, knee, steps[sloBrokenAt]);
  return {
    maxSustainableRps: knee ? knee.achievedRps : 0,
    kneeIndex,
    sloBrokenAt,
    bindingConstraint,
    headroom,
    slo,
    steps: analysed,
  };
}

const withDefaults = (options: CapacityOptions): Required<CapacityOptions> => ({
  maxErrorRatio: 0.01,
  minAchievedRatio: 0.95,
  ...options,
});

/** Whether one step meets the SLO, by the same rule the profile applies (a stepped run stops at the first that does not). */
export function isSustainable(step: CapacityStep, options: CapacityOptions): boolean {
  return analyseStep(step, withDefaults(options)).sustainable;
}

function analyseStep(step: CapacityStep, slo: Required<CapacityOptions>): AnalysedStep {
  const violations: Violation[] = [];
  if (step.p99Ms > slo.sloP99Ms) violations.push('p99');
  if (step.errorRatio > slo.maxErrorRatio) violations.push('errors');
  if (step.achievedRps < slo.minAchievedRatio * step.offeredRps) violations.push('throughput');
  return { ...step, sustainable: violations.length === 0, violations };
}

function bindingAt(
  names: string[],
  knee: CapacityStep | null,
  broken: CapacityStep,
): CapacityProfile['bindingConstraint'] {
  if (names.length === 0) return null;
  const highest = Math.max(...names.map((name) => broken.resources[name]));
  const rise = (name: string) => broken.resources[name] - (knee ? knee.resources[name] : 0);
  const [resource] = names
    .filter((name) => broken.resources[name] >= highest - BINDING_TIE_TOLERANCE)
    .sort((a, b) => rise(b) - rise(a) || broken.resources[b] - broken.resources[a]);
  return {
    resource,
    utilisationAtKnee: knee ? knee.resources[resource] : null,
    utilisationAtBreak: broken.resources[resource],
  };
}

/** Checks what the model relies on and returns the resource names, in the first step's order. */
function validate(steps: CapacityStep[], slo: Required<CapacityOptions>): string[] {
  if (steps.length === 0) {
    throw new CapacityInputError('No capacity steps recorded: run at least one offered rate.');
  }
  if (!(slo.sloP99Ms > 0))
    throw new CapacityInputError('sloP99Ms must be a positive number of ms.');
  const names = Object.keys(steps[0].resources);
  steps.forEach((step, i) => {
    if (i > 0 && !(step.offeredRps > steps[i - 1].offeredRps)) {
      throw new CapacityInputError(
        `Step ${i} does not offer more than step ${i - 1}: sort by rate.`,
      );
    }
    const own = Object.keys(step.resources);
    if (own.length !== names.length || own.some((name) => !names.includes(name))) {
      throw new CapacityInputError(
        `Step ${i} reports resources [${own.join(', ')}], step 0 [${names.join(', ')}]: ` +
          'record the same resources at every step.',
      );
    }
    const bad = own.find((name) => !(step.resources[name] >= 0 && isFinite(step.resources[name])));
    if (bad) throw new CapacityInputError(`Step ${i}: utilisation of ${bad} must be ≥ 0.`);
  });
  return names;
}
