/**
 * The page's "Expectations" section: each configuration's promises with PASS/FAIL and the figures
 * (expectations.ts), as the CLI prints them last. Empty when the scenario judges nothing.
 */
import type { ConfigurationResult } from '../run-report';
import { escapeXml } from './svg-charts';

export function expectationsSection(configurations: readonly ConfigurationResult[]): string {
  const rows = configurations.flatMap((c) =>
    (c.expectations ?? []).map(
      (e) =>
        `<tr><th scope="row">${escapeXml(c.name)}</th><td>${escapeXml(e.name)}</td>` +
        `<td>${escapeXml(e.expected)}</td><td>${escapeXml(e.actual)}</td>` +
        `<td style="color:${e.pass ? '#009E73' : '#D55E00'}"><strong>${e.pass ? 'PASS' : 'FAIL'}</strong></td></tr>`,
    ),
  );
  if (!rows.length) return '';
  const head = ['configuration', 'expectation', 'expected', 'actual', 'result']
    .map((h) => `<th>${h}</th>`)
    .join('');
  return (
    `<section id="expectations"><h2>Expectations</h2>` +
    `<table class="expectations"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}
