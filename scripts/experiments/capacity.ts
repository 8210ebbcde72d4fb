/**
 * The capacity model behind the `capacity` scenario and its doomsday clock. Problem: "how much more
 * traffic can we take, and when do we run out?" is answered by guesses unless it is measured.
 * Mechanism: the runner holds a series of rising offered rates; each step records latency, errors,
 * the rate actually achieved and the utilisation (0..1) of each resource. The last step that still
 * meets the SLO is the capacity. A step that misses the SLO is held once more at the same rate
 * before it counts (the repeat decides): one GC pause or one noisy neighbour in a 15 s window can
 * put a p99 over the line, and a knee decided by one spike moves from run to run. A sub-window
 * median of p99s would have been cheaper but changes what "p99 ≤ SLO" means; a repeat keeps it.
 *
 * The binding constraint is a resource at or above SATURATION (0.8 of its limit) at the first step
 * that fails; when none is, the report says so instead of blaming the busiest one: the latency came
 * from something the resources do not measure (lock contention, GC pauses, the load generator), and
 * the break's GC-pause, run-queue and CPU-steal readings are the evidence (capacity-verdict.ts).
 * Each resource's utilisation, extrapolated linearly with rate, says when it saturates, and a
 * monthly growth factor (growth.ts) turns rates into dates (doomsday.ts). Failure mode: linear
 * extrapolation is a straight line through the origin. It is optimistic for queues and pools (waiting grows without
 * bound as utilisation nears 1, so latency breaks before 100 %), pessimistic for caches (a warmer,
 * larger working set raises the hit ratio, so the database load grows slower than traffic) and
 * slightly pessimistic for resources with a fixed idle cost (the origin line overstates the slope).
 * The measured knee is the fact; the per-resource dates are estimates. Pure: no I/O, no clock.
 */
import { bindingAt, SATURATION, unsaturated } from './capacity-verdict';

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
  /** The API processes' CPU time per answered request, in µs (reported; the model does not use it). */
  cpuMicrosPerRequest?: number | null;
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
  /** A failing attempt followed by a repeat at the same rate: the repeat, not this, decides. */
  repeated: boolean;
}

/** The SLO broke while every measured resource stayed below SATURATION. */
export interface UnsaturatedBreak {
  /** The resource highest at the break, which a "busiest is binding" rule would have blamed. */
  busiest: string | null;
  utilisation: number;
  /** The LATENCY_EVIDENCE readings at the break, those the run recorded. */
  evidence: Record<string, number>;
}

export interface CapacityProfile {
  /** Achieved rate of the last sustainable step before the first unsustainable one; 0 if none. */
  maxSustainableRps: number;
  /** Index of that step: the highest operating point before the curve bends; null if none. */
  kneeIndex: number | null;
  /** Index of the first unsustainable step; null if the SLO held at every step. */
  sloBrokenAt: number | null;
  /**
   * The resource that gave out: one at or above `saturation` at the break. Null if nothing broke,
   * no resources were recorded, or none was near saturation (then `unsaturatedBreak` says so).
   */
  bindingConstraint: {
    resource: string;
    /** Its utilisation at the knee (null when the first step already broke). */
    utilisationAtKnee: number | null;
    /** Its utilisation at the first unsustainable step, the value that chose it. */
    utilisationAtBreak: number;
  } | null;
  /** Set when the SLO broke with no measured resource near saturation: the evidence. */
  unsaturatedBreak: UnsaturatedBreak | null;
  /** The utilisation from which a resource counts as near saturation (SATURATION). */
  saturation: number;
  /** Per resource, 1 − utilisation at the knee, clamped to 0..1 (0 everywhere when no knee). */
  headroom: Record<string, number>;
  slo: Required<CapacityOptions>;
  steps: AnalysedStep[];
}

/**
 * Finds the capacity profile of a stepped load run (steps in rising offered rate). A step is
 * sustainable when p99 ≤ sloP99Ms, errorRatio ≤ maxErrorRatio and achieved ≥ minAchievedRatio ×
 * offered: latency alone misses a system that sheds load fast (errors) or a load generator that
 * could not get its requests in (achieved falls behind). Only the steps before the first failure
 * count: a later step that passes again is noise, not capacity.
 *
 * A step that fails and is followed by a step at the same offered rate was repeated (see the top
 * of this file): the repeat decides that rate, and the failed attempt is kept, marked `repeated`.
 *
 * Binding constraint rule: among the resources at or above SATURATION at the first unsustainable
 * step, the highest, since a resource near its limit is where requests queue and latency blows
 * up. None near saturation: no binding constraint, and `unsaturatedBreak` names the busiest and
 * keeps the evidence (capacity-verdict.ts has the rule, its threshold and its tie-break).
 */
export function analyzeCapacity(steps: CapacityStep[], options: CapacityOptions): CapacityProfile {
  const slo = withDefaults(options);
  const names = validate(steps, slo);
  const analysed = steps.map((step, i) => ({
    ...analyseStep(step, slo),
    repeated: steps[i + 1]?.offeredRps === step.offeredRps,
  }));
  const broken = analysed.findIndex((step) => !step.sustainable && !step.repeated);
  const sloBrokenAt = broken === -1 ? null : broken;
  const before = analysed.slice(0, sloBrokenAt ?? steps.length);
  const last = before.map((step) => !step.repeated).lastIndexOf(true);
  const kneeIndex = last === -1 ? null : last;
  const knee = kneeIndex === null ? null : steps[kneeIndex];
  const headroom = Object.fromEntries(
    names.map((name) => [name, knee ? Math.min(1, Math.max(0, 1 - knee.resources[name])) : 0]),
  );
  const atBreak = sloBrokenAt === null ? null : steps[sloBrokenAt];
  const bindingConstraint = atBreak && bindingAt(names, knee, atBreak);
  return {
    maxSustainableRps: knee ? knee.achievedRps : 0,
    kneeIndex,
    sloBrokenAt,
    bindingConstraint,
    unsaturatedBreak: atBreak && !bindingConstraint ? unsaturated(names, atBreak) : null,
    saturation: SATURATION,
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

function analyseStep(
  step: CapacityStep,
  slo: Required<CapacityOptions>,
): Omit<AnalysedStep, 'repeated'> {
  const violations: Violation[] = [];
  if (step.p99Ms > slo.sloP99Ms) violations.push('p99');
  if (step.errorRatio > slo.maxErrorRatio) violations.push('errors');
  if (step.achievedRps < slo.minAchievedRatio * step.offeredRps) violations.push('throughput');
  return { ...step, sustainable: violations.length === 0, violations };
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
    const previous = steps[i - 1];
    const repeat = previous?.offeredRps === step.offeredRps;
    if (repeat && isSustainable(previous, slo)) {
      throw new CapacityInputError(
        `Step ${i} repeats step ${i - 1}, which met the SLO: only a failing step is repeated.`,
      );
    }
    if (previous && !repeat && !(step.offeredRps > previous.offeredRps)) {
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
