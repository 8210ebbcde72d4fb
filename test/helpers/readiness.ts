/**
 * One instance's /health/ready report: each dependency's state as the instance sees it (the
 * cache's L1 and L2 breaker, the replicas' rotation, the queue's depth, the breakers). Tests
 * observe these through readiness rather than /metrics, so they hold without the telemetry
 * pattern.
 */
export type Readiness = Record<string, Record<string, unknown>>;

export async function readiness(url: string): Promise<Readiness> {
  const res = await fetch(`${url}/health/ready`);
  if (res.status !== 200) throw new Error(`${url}/health/ready answered ${res.status}`);
  return ((await res.json()) as { details: Readiness }).details;
}
