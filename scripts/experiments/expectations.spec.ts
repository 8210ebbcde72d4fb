import { formatExpectations, mergeExpectations } from './expectations';
import { renderReportHtml } from './report';
import { compareRunFixture, HOSTILE_NAME } from './report/run-report.fixture';
import type { ConfigurationResult, Expectation } from './run-report';

const [base] = compareRunFixture().configurations;
const withExpectations = (name: string, expectations: Expectation[]): ConfigurationResult => ({
  ...base,
  name,
  expectations,
});
const refused = (actual: string, pass: boolean): Expectation => ({
  name: 'writes refused',
  expected: '503 + Retry-After',
  actual,
  pass,
});

describe('expectations', () => {
  it('prints a PASS or FAIL line per expectation, naming the configuration when there are several', () => {
    const text = formatExpectations([
      withExpectations('on', [refused('12 of 12', true)]),
      withExpectations('off', [refused('0 of 12', false)]),
    ]);
    expect(text.split('\n')).toEqual([
      'expectations:',
      'PASS  on: writes refused: 12 of 12 (expected 503 + Retry-After)',
      'FAIL  off: writes refused: 0 of 12 (expected 503 + Retry-After)',
    ]);
  });

  it('prints nothing for a scenario that judges nothing', () => {
    expect(formatExpectations([base])).toBe('');
  });

  it('keeps an expectation over rounds only if every round kept it, with each round figures', () => {
    const merged = mergeExpectations([
      withExpectations('on', [refused('12 of 12', true)]),
      withExpectations('on', [refused('11 of 12', false)]),
    ]);
    expect(merged).toEqual([{ ...refused('12 of 12 | 11 of 12', false) }]);
  });

  it('shows them in the HTML report, escaped', () => {
    const report = compareRunFixture();
    report.configurations[1] = withExpectations(HOSTILE_NAME, [refused('<b>0</b>', false)]);
    const html = renderReportHtml(report);
    expect(html).toContain('<section id="expectations">');
    expect(html).not.toContain('<b>0</b>');
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).toMatch(/<section id="expectations">.*writes refused.*FAIL/s);
  });
});
