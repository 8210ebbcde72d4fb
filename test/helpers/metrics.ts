import { Exposition } from '../../scripts/experiments/exposition';

/** One instance's Prometheus exposition, read once: sum several metrics from the same scrape. */
export async function scrape(url: string): Promise<Exposition> {
  return new Exposition(await (await fetch(`${url}/metrics`)).text());
}

/** Reads one instance's Prometheus exposition and sums the samples of a metric matching labels. */
export async function metricSum(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await scrape(url)).sum(name, labels);
}
