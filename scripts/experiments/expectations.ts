/**
 * A scenario's promises, judged per configuration: the scenario pushes `{ name, expected, actual,
 * pass }` onto `ctx.expectations` at the end of its run, the runner keeps them in report.json
 * (ConfigurationResult.expectations), and the CLI prints one PASS/FAIL line each, last, where a
 * workshop leader looks. They check the pattern's mechanism against this run's figures; a latency
 * bound on a loaded 2-core machine can fail for reasons of the machine, which the figures show.
 */
import type { ConfigurationResult, Expectation } from './run-report';

/**
 * One configuration's expectations over its rounds (compare mode runs each several times): kept
 * only if every round kept it, with each round's figures.
 */
export function mergeExpectations(rounds: readonly ConfigurationResult[]): Expectation[] {
  const byName = new Map<string, Expectation[]>();
  for (const e of rounds.flatMap((r) => r.expectations ?? [])) {
    byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  }
  return [...byName.values()].map((all) => ({
    name: all[0].name,
    expected: all[0].expected,
    actual: all.map((e) => e.actual).join(' | '),
    pass: all.every((e) => e.pass),
  }));
}

/** `PASS  <configuration>: <name>: <actual> (expected <expected>)`, a line each; '' if none. */
export function formatExpectations(results: readonly ConfigurationResult[]): string {
  const lines = results.flatMap((r) =>
    (r.expectations ?? []).map((e) => {
      const where = results.length > 1 ? `${r.name}: ` : '';
      return `${e.pass ? 'PASS' : 'FAIL'}  ${where}${e.name}: ${e.actual} (expected ${e.expected})`;
    }),
  );
  return lines.length ? `expectations:\n${lines.join('\n')}` : '';
}
