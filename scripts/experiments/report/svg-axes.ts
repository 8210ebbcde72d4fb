/**
 * The frame every chart shares: size, title, legend, axes with round-number ticks, axis labels.
 * Kept apart from the marks (svg-charts.ts) so a new chart kind only has to draw its data.
 * The viewBox fixes the drawing's proportions; the element itself is 100% wide, so a chart takes
 * the page's width and its text scales with it (960 units ≈ a laptop's content column at 1:1).
 */

const WIDTH = 960;
const HEIGHT = 360;
const MARGIN = { left: 64, right: 20, bottom: 48 };
/** A rough glyph width at 12px; enough to wrap the legend without measuring text in a browser. */
const CHAR_PX = 7;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Frame {
  plot: { left: number; right: number; top: number; bottom: number };
  wrap(body: string): string;
  axisLabels(xLabel: string, yLabel: string): string;
}

interface Scale {
  at(v: number): number;
  axis: string;
}

export function plotFrame(
  name: string,
  title: string,
  legend: ReadonlyArray<{ label: string; color: string; dashed?: boolean }>,
  empty: boolean,
): Frame {
  const { items, rows } = legendItems(legend);
  const top = 34 + rows * 16;
  const plot = {
    left: MARGIN.left,
    right: WIDTH - MARGIN.right,
    top,
    bottom: HEIGHT - MARGIN.bottom,
  };
  // An all-null series (a metric the app did not export) says so instead of drawing an empty box.
  const note = empty
    ? `<text x="${(plot.left + plot.right) / 2}" y="${(top + plot.bottom) / 2}" text-anchor="middle"` +
      ` fill="#888">no data recorded</text>`
    : '';
  return {
    plot,
    wrap: (body) =>
      `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${escapeXml(name)}" role="img"` +
      ` viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet"` +
      ` font-family="system-ui, sans-serif" font-size="12">` +
      `<title>${escapeXml(title)}</title>` +
      `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">` +
      `${escapeXml(title)}</text>${items}${note}${body}</svg>`,
    axisLabels: (xLabel, yLabel) =>
      (xLabel
        ? `<text class="axis-label" x="${(plot.left + plot.right) / 2}" y="${HEIGHT - 8}"` +
          ` text-anchor="middle">${escapeXml(xLabel)}</text>`
        : '') +
      `<text class="axis-label" transform="translate(14 ${(top + plot.bottom) / 2}) rotate(-90)"` +
      ` text-anchor="middle">${escapeXml(yLabel)}</text>`,
  };
}

function legendItems(legend: ReadonlyArray<{ label: string; color: string; dashed?: boolean }>): {
  items: string;
  rows: number;
} {
  let x = MARGIN.left;
  let row = 0;
  const items = legend.map((s) => {
    const width = 30 + s.label.length * CHAR_PX;
    if (x + width > WIDTH - MARGIN.right && x > MARGIN.left) {
      x = MARGIN.left;
      row += 1;
    }
    const y = 36 + row * 16;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const item =
      `<g class="legend"><line x1="${x}" x2="${x + 20}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}"` +
      ` stroke-width="3"${dash}/><text x="${x + 24}" y="${y}">${escapeXml(s.label)}</text></g>`;
    x += width;
    return item;
  });
  return { items: items.join(''), rows: legend.length === 0 ? 0 : row + 1 };
}

export function xScale(frame: Frame, min: number, max: number): Scale {
  const { left, right, bottom, top } = frame.plot;
  const span = max - min || 1;
  const at = (v: number): number => round(left + ((v - min) / span) * (right - left));
  const ticks = niceTicks(min, max)
    .filter((t) => t <= max)
    .map(
      (t) =>
        `<line x1="${at(t)}" x2="${at(t)}" y1="${top}" y2="${bottom}" stroke="#eee"/>` +
        `<text x="${at(t)}" y="${bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  const axis = `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#444"/>`;
  return { at, axis: ticks.join('') + axis };
}

export function yScale(frame: Frame, dataMax: number, format: (v: number) => string): Scale {
  const { left, right, bottom, top } = frame.plot;
  const ticks = niceTicks(0, dataMax);
  const max = Math.max(dataMax, ticks[ticks.length - 1]) || 1;
  const at = (v: number): number => round(bottom - (v / max) * (bottom - top));
  const lines = ticks.map(
    (t) =>
      `<line x1="${left}" x2="${right}" y1="${at(t)}" y2="${at(t)}" stroke="#eee"/>` +
      `<text x="${left - 6}" y="${at(t) + 4}" text-anchor="end">${escapeXml(format(t))}</text>`,
  );
  const axis = `<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#444"/>`;
  return { at, axis: lines.join('') + axis };
}

/** About five ticks on 1-2-5 steps, so the axis reads 0, 200, 400 rather than 0, 173, 346. */
export function niceTicks(min: number, max: number): number[] {
  if (!(max > min)) return [min, min + 1];
  const raw = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks = [Math.floor(min / step) * step];
  // The last tick is the first one at or above max, so the y axis always has headroom.
  while (ticks[ticks.length - 1] < max - step * 1e-9) {
    ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  }
  return ticks;
}

const round = (v: number): number => Math.round(v * 10) / 10;
