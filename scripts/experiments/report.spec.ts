import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';
import { renderReportHtml, writeReport } from './report';
import { compareRunFixture, HOSTILE_NAME } from './report/run-report.fixture';
import type { RunReport } from './run-report';

/** Charts the issue asks for, with how many data marks each must at least draw for the fixture. */
const CHARTS: Record<string, number> = {
  'summary-throughput': 2, // one bar per configuration
  'summary-latency': 6, // p50/p95/p99 × 2 configurations
  'latency-over-time': 4, // p50 + p99 per configuration
  'throughput-over-time': 2,
  'cache-hit-ratio': 6, // L1 × 2, L2 split by the Redis outage: 2 paths per configuration
  'replica-share': 6, // each configuration: path, lone dot, path
  'queue-depth': 1, // only `defaults` reports queue depth
};
const TIME_SERIES = Object.keys(CHARTS).filter((name) => !name.startsWith('summary-'));

/** The `<svg>` source of one chart, to count marks without a browser. */
function chartSource(html: string, name: string): string {
  const match = new RegExp(`<svg[^>]*data-chart="${name}"[\\s\\S]*?</svg>`).exec(html);
  if (!match) throw new Error(`chart ${name} missing`);
  return match[0];
}
const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('writeReport', () => {
  let dir: string;
  const report = compareRunFixture();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docscale-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the raw report as JSON that parses back equal', async () => {
    const { jsonPath } = await writeReport(report, dir);
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toEqual(report);
  });

  it('breaks a line at null samples instead of drawing them as zero', () => {
    const replica = chartSource(renderReportHtml(report), 'replica-share');
    expect(count(replica, '<path class="data"')).toBe(4);
    expect(count(replica, '<circle class="data"')).toBe(2);
    expect(replica).not.toContain('NaN');
  });

  it('renders a single-configuration run whose metric was never reported', () => {
    const single: RunReport = {
      ...report,
      configurations: [
        {
          ...report.configurations[0],
          series: report.configurations[0].series.map((p) => ({ ...p, queueDepth: null })),
          phases: undefined,
        },
      ],
      capacity: undefined,
    };
    const html = renderReportHtml(single);
    expect(chartSource(html, 'queue-depth')).toContain('no data recorded');
    expect(count(chartSource(html, 'summary-throughput'), '<rect class="data"')).toBe(1);
    expect(html).not.toContain('id="capacity"');
    expect(html).not.toContain('id="phases"');
    expect(html).not.toContain('NaN');
  });

  it('escapes markup in configuration names', () => {
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&#60;script&#62;');
  });
});

describe('the report page in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: Error[] = [];

  // The first run may apt-get install Chromium, which takes minutes on a cold cache.
  beforeAll(async () => {
    const executablePath = ensureChromium();
    dir = await mkdtemp(join(tmpdir(), 'docscale-report-'));
    const { htmlPath } = await writeReport(compareRunFixture(), dir);
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error));
    await page.goto(pathToFileURL(htmlPath).href);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(CHARTS))(
    'draws the %s chart with data and axis labels',
    async (name, marks) => {
      const svg = page.locator(`svg[data-chart="${name}"]`);
      expect(await svg.count()).toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(100);
      expect(await svg.locator('.data').count()).toBeGreaterThanOrEqual(marks);
      // The first data mark has a real size on screen: it was laid out, not just present in the DOM.
      const mark = await svg.locator('path.data, rect.data').first().boundingBox();
      expect((mark?.width ?? 0) + (mark?.height ?? 0)).toBeGreaterThan(1);
      expect(await svg.locator('.axis-label').count()).toBeGreaterThanOrEqual(1);
      expect(await svg.locator('.axis-label').first().isVisible()).toBe(true);
    },
  );

  it.each(TIME_SERIES)('marks the run events on the %s chart', async (name) => {
    const events = page.locator(`svg[data-chart="${name}"] g.event`);
    // `stop redis` happened in both configurations at t=8: drawn once.
    expect(await events.count()).toBe(2);
    expect(await events.getByText('stop redis', { exact: true }).isVisible()).toBe(true);
    expect(await events.getByText('start redis (defaults)').isVisible()).toBe(true);
  });

  it('lists both configurations in the summary table', async () => {
    const names = await page.locator('table.summary tbody th').allTextContents();
    expect(names).toEqual(['defaults', HOSTILE_NAME]);
  });

  it("shows each configuration's phases, cut at its events", async () => {
    const rows = page.locator('table.phases tbody tr');
    expect(await rows.count()).toBe(5); // defaults: start, stop, start redis; the other: start, stop
    expect(await rows.nth(1).locator('td').first().textContent()).toBe('stop redis');
    // defaults' L1 hit ratio (about 60%); its 3 errors, sampled at t=8 (the second 7..8), fall
    // before the stop at 8.
    const cells = await rows.nth(1).locator('td').allTextContents();
    expect(cells.at(-3)).toMatch(/^(5[7-9]|6[0-3])%$/);
    expect(cells[7]).toBe('0');
    expect((await rows.nth(0).locator('td').allTextContents())[7]).toBe('3');
    expect(await page.locator('#phases').isVisible()).toBe(true);
  });

  it('shows the capacity block', async () => {
    const capacity = page.locator('#capacity');
    expect(await capacity.getByText('db-pool-wait').isVisible()).toBe(true);
    // The load steps (an array of objects) become one table: a column per key, a row per step.
    expect(await capacity.locator('thead th').allTextContents()).toEqual([
      'rps',
      'p99',
      'cpuCores',
    ]);
    expect(await capacity.locator('thead + tbody > tr').count()).toBe(3);
  });

  it('shows markup in a configuration name as text and runs no script', async () => {
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toBe('docscale experiment: redis-outage');
    expect(pageErrors).toEqual([]);
  });
});
