import { Exposition } from '../../scripts/experiments/exposition';

/** Reads one instance's Prometheus exposition and sums the samples of a metric matching labels. */
export async function metricSum(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return new Exposition(await (await fetch(`${url}/metrics`)).text()).sum(name, labels);
}
