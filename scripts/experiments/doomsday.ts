/**
 * The doomsday clock: from a measured capacity profile (capacity.ts), a current rate and a monthly
 * growth factor (growth.ts), when the rate reaches the capacity, overall and per resource.
 */
import { CapacityInputError, type CapacityProfile } from './capacity';
import { MS_PER_MONTH } from './growth';

export interface DoomsdayOptions {
  /** Today's peak rate, in requests per second. */
  currentRps: number;
  /** Monthly growth factor, as parseGrowth returns it (1.2 = +20 % a month). */
  growth: number;
  /** When given, each finite estimate also gets a calendar date. */
  now?: Date;
}

export interface Exhaustion {
  /** Months until the rate reaches the limit: 0 when already there, Infinity when never. */
  months: number;
  date?: Date;
}

export interface ResourceExhaustion extends Exhaustion {
  resource: string;
  /** Rate at which utilisation reaches 1.0 on a line through the origin; Infinity when unused. */
  saturatesAtRps: number;
  headroom: number;
}

export interface DoomsdayResult {
  currentRps: number;
  monthlyGrowth: number;
  maxSustainableRps: number;
  overall: Exhaustion;
  /** Earliest saturation first; empty when no step was sustainable (nothing to extrapolate from). */
  perResource: ResourceExhaustion[];
  /**
   * The observed binding constraint; without a break, the resource projected to saturate first;
   * null when the SLO broke with no resource near saturation (capacity.ts), or none was recorded.
   */
  binding: string | null;
}

/**
 * The doomsday clock: how long until today's rate, compounding by the monthly growth factor,
 * reaches the measured capacity (overall) and each resource's projected saturation rate.
 * months = ln(limit ÷ current) ÷ ln(growth); 0 when current is already at or past the limit;
 * Infinity when growth ≤ 1 (flat or shrinking traffic never gets there). A resource's saturation
 * rate is the knee's achieved rate ÷ its utilisation there (linear through the origin, see the top
 * of this file for when that misleads). The binding resource is the one observed to give out, since
 * a measurement beats an extrapolation; without a break, the earliest projected saturation; after
 * a break that no measured resource explains, none (a projection would blame the wrong one).
 */
export function doomsday(capacity: CapacityProfile, options: DoomsdayOptions): DoomsdayResult {
  const { currentRps, growth, now } = options;
  if (!(currentRps >= 0 && isFinite(currentRps))) {
    throw new CapacityInputError('currentRps must be a finite rate ≥ 0.');
  }
  if (!(growth > 0 && isFinite(growth))) {
    throw new CapacityInputError('growth must be a positive monthly factor (see parseGrowth).');
  }
  const exhaustion = (limitRps: number): Exhaustion => {
    const months = monthsUntil(currentRps, limitRps, growth);
    return isFinite(months) && now ? { months, date: monthsAfter(now, months) } : { months };
  };
  const knee = capacity.kneeIndex === null ? null : capacity.steps[capacity.kneeIndex];
  const perResource = knee
    ? Object.keys(knee.resources)
        .map((resource) => {
          const saturatesAtRps = knee.achievedRps / knee.resources[resource];
          const headroom = capacity.headroom[resource];
          return { resource, saturatesAtRps, headroom, ...exhaustion(saturatesAtRps) };
        })
        .sort((a, b) => a.saturatesAtRps - b.saturatesAtRps)
    : [];
  return {
    currentRps,
    monthlyGrowth: growth,
    maxSustainableRps: capacity.maxSustainableRps,
    overall: exhaustion(capacity.maxSustainableRps),
    perResource,
    binding:
      capacity.bindingConstraint?.resource ??
      (capacity.sloBrokenAt === null ? perResource[0]?.resource : undefined) ??
      null,
  };
}

function monthsUntil(currentRps: number, limitRps: number, growth: number): number {
  if (currentRps >= limitRps) return 0;
  if (growth <= 1) return Infinity;
  return Math.log(limitRps / currentRps) / Math.log(growth);
}

function monthsAfter(now: Date, months: number): Date {
  return new Date(now.getTime() + months * MS_PER_MONTH);
}

/**
 * The doomsday clock as the CLI prints it: the overall time to exhaustion, then a table of
 * resource, saturation rate, headroom and time to exhaustion ("4.2 months (2027-04)"), earliest
 * first, the binding resource marked with `*`. Dates are months after `now`, in UTC.
 */
export function formatDoomsday(result: DoomsdayResult, now: Date): string {
  const when = (months: number) => describeMonths(months, now);
  const growth = `×${result.monthlyGrowth.toFixed(3)}/month`;
  const lines = [
    `Doomsday clock: ${rps(result.currentRps)} now, growing ${growth}`,
    `Max sustainable ${rps(result.maxSustainableRps)}, time to exhaustion: ${when(result.overall.months)}`,
  ];
  if (result.perResource.length === 0) {
    lines.push('No step was sustainable: start the capacity run at a lower rate.');
    return lines.join('\n');
  }
  const rows = [
    ['resource', 'saturates at', 'headroom', 'time to exhaustion'],
    ...result.perResource.map((r) => [
      r.resource + (r.resource === result.binding ? ' *' : ''),
      isFinite(r.saturatesAtRps) ? rps(r.saturatesAtRps) : 'never (unused)',
      `${Math.round(r.headroom * 100)}%`,
      when(r.months),
    ]),
  ];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  lines.push('', ...rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col])).join('  ')));
  lines.push(
    result.binding
      ? '* binding constraint'
      : 'No binding constraint: no measured resource was near saturation when the SLO broke.',
  );
  return lines.map((line) => line.trimEnd()).join('\n');
}

function rps(value: number): string {
  return `${Math.round(value)} req/s`;
}

function describeMonths(months: number, now: Date): string {
  if (months === 0) return 'now (already past)';
  if (!isFinite(months)) return 'never at this growth';
  const date = monthsAfter(now, months).toISOString().slice(0, 7);
  return `${months.toFixed(1)} months (${date})`;
}
