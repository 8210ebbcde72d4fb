/**
 * The capacity block of a report: what the run found (capacity, knee, break, binding constraint,
 * doomsday date) in words, offered against achieved throughput and p99 against load with the knee
 * and the SLO marked, one table row per step and the doomsday clock per resource. Rendered from
 * the in-memory report or from report.json read back, where Infinity is null and dates are strings.
 */
import type { AnalysedStep, CapacityProfile } from '../capacity';
import { describeBinding } from '../capacity-verdict';
import { MS_PER_MONTH } from '../growth';
import type { CapacityReport } from '../run-report';
import { latencyChart, rps, throughputChart, whole } from './capacity-charts';
import { escapeXml } from './svg-charts';

const percent = (v: number): string => `${Math.round(v * 100)}%`;
/** JSON turns Infinity into null: both mean "never". */
const finite = (v: number | null | undefined): v is number =>
  typeof v === 'number' && Number.isFinite(v);

export function capacitySection(capacity: CapacityReport, startedAt: string): string {
  const { profile } = capacity;
  return (
    `<section id="capacity"><h2>Capacity</h2>` +
    `<table class="capacity-summary"><tbody>${summaryRows(capacity, startedAt)}</tbody></table>` +
    `<div class="charts">${throughputChart(profile)}${latencyChart(profile)}</div>` +
    `<h3>Steps</h3>${stepsTable(profile)}${doomsdayTable(capacity, startedAt)}</section>`
  );
}

/** "1" for a first attempt, "3 (repeat)" for a rate held again after a miss. */
function stepLabels(steps: readonly AnalysedStep[]): string[] {
  let n = 0;
  return steps.map((s, i) =>
    i > 0 && steps[i - 1].offeredRps === s.offeredRps ? `${n} (repeat)` : String(++n),
  );
}

function summaryRows({ profile, doomsday: clock }: CapacityReport, startedAt: string): string {
  const { slo, steps, kneeIndex, sloBrokenAt } = profile;
  const labels = stepLabels(steps);
  const sloText =
    `p99 ≤ ${slo.sloP99Ms} ms, errors ≤ ${percent(slo.maxErrorRatio)}, ` +
    `achieved ≥ ${percent(slo.minAchievedRatio)} of offered`;
  const broken = sloBrokenAt === null ? null : steps[sloBrokenAt];
  const rows: Array<[string, string]> = [
    [
      'capacity',
      kneeIndex === null
        ? `none: the first step already missed the SLO (${sloText}); start lower`
        : `${rps(profile.maxSustainableRps)} within the SLO (${sloText})`,
    ],
    [
      'knee',
      kneeIndex === null
        ? 'none'
        : `step ${labels[kneeIndex]}: ${rps(steps[kneeIndex].offeredRps)} offered`,
    ],
    [
      'SLO broken',
      broken === null
        ? `never, up to ${rps(steps.at(-1)?.offeredRps ?? 0)} offered`
        : `step ${labels[sloBrokenAt!]}: ${rps(broken.offeredRps)} offered, p99 ` +
          `${broken.p99Ms.toFixed(1)} ms (${broken.violations.join(', ')})`,
    ],
    ['binding constraint', describeBinding(profile)],
    [
      'doomsday',
      clock
        ? `${rps(clock.currentRps)} now, growing ×${clock.monthlyGrowth.toFixed(3)}/month: ` +
          `capacity reached ${when(clock.overall, startedAt)}`
        : 'not computed: run with --current-rps and --growth',
    ],
  ];
  return rows
    .map(([k, v]) => `<tr><th scope="row">${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('');
}

function when(e: { months: number; date?: Date | string }, startedAt: string): string {
  if (e.months === 0) return 'now (already past)';
  if (!finite(e.months)) return 'never at this growth';
  const date = new Date(e.date ?? new Date(startedAt).getTime() + e.months * MS_PER_MONTH);
  return `in ${e.months.toFixed(1)} months (${date.toISOString().slice(0, 7)})`;
}

function verdict(profile: CapacityProfile, s: AnalysedStep, i: number): string {
  const why = s.violations.join(', ');
  if (s.sustainable)
    return i === profile.kneeIndex ? 'knee: the last within the SLO' : 'within the SLO';
  if (s.repeated) return `missed (${why}): held again`;
  return i === profile.sloBrokenAt ? `SLO broken (${why})` : `missed (${why})`;
}

function stepsTable(profile: CapacityProfile): string {
  const { steps, saturation } = profile;
  const names = Object.keys(steps[0]?.resources ?? {});
  const labels = stepLabels(steps);
  const head = [
    'step',
    'offered req/s',
    'achieved req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    ...names,
    'verdict',
  ]
    .map((h) => `<th>${escapeXml(h)}</th>`)
    .join('');
  const num = (text: string, cls = 'num') => `<td class="${cls}">${escapeXml(text)}</td>`;
  const rows = steps.map((s, i) => {
    const cls = i === profile.kneeIndex ? 'knee' : i === profile.sloBrokenAt ? 'break' : '';
    return (
      `<tr class="${cls}"><th scope="row">${escapeXml(labels[i])}</th>` +
      num(whole(s.offeredRps)) +
      num(whole(s.achievedRps)) +
      num(s.p50Ms.toFixed(1)) +
      num(s.p99Ms.toFixed(1)) +
      num(`${(s.errorRatio * 100).toFixed(1)}%`) +
      num(finite(s.cpuMicrosPerRequest) ? whole(s.cpuMicrosPerRequest) : '-') +
      names
        .map((n) => num(percent(s.resources[n]), s.resources[n] >= saturation ? 'num hot' : 'num'))
        .join('') +
      `<td class="verdict">${escapeXml(verdict(profile, s, i))}</td></tr>`
    );
  });
  return (
    `<p class="meta">Resources as a share of their own limit; bold at or above ` +
    `${percent(saturation)} (near saturation). A step that missed the SLO was held again once: ` +
    `the repeat decides.</p>` +
    `<div class="wide"><table class="capacity-steps"><thead><tr>${head}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

function doomsdayTable({ doomsday: clock }: CapacityReport, startedAt: string): string {
  if (!clock?.perResource.length) return '';
  const rows = clock.perResource.map(
    (r) =>
      `<tr><th scope="row">${escapeXml(r.resource + (r.resource === clock.binding ? ' (binding)' : ''))}</th>` +
      `<td class="num">${finite(r.saturatesAtRps) ? rps(r.saturatesAtRps) : 'never (unused)'}</td>` +
      `<td class="num">${percent(r.headroom)}</td>` +
      `<td>${escapeXml(when(r, startedAt))}</td></tr>`,
  );
  return (
    `<h3>Doomsday clock per resource</h3>` +
    `<p class="meta">Each resource's utilisation at the knee extrapolated linearly with the rate: ` +
    `estimates (capacity.ts says where a straight line misleads); the knee is the measurement.</p>` +
    `<table class="doomsday"><thead><tr><th>resource</th><th>saturates at</th><th>headroom</th>` +
    `<th>time to exhaustion</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
