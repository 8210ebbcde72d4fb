/**
 * Toggle flips during a run, through the admin endpoint (PATCH /v1/admin/toggles), as an operator
 * would make them. Values are the command line's: `CACHE_L1=off`; `null` clears a runtime value
 * (the instance's environment applies again). A flip counts as made once every API instance
 * reports it, so the marked line on the chart is where the behaviour changed, not where it was
 * asked for.
 */
import type { Topology } from './topology';
import { apiClient, type components } from '../api-client/client';

export type ToggleValues = Record<string, boolean | null>;

const ON = new Set(['on', 'true', '1']);
const OFF = new Set(['off', 'false', '0']);

/** `CACHE_L1=off,CACHE_L2=on` (or `defaults`, or empty) as a name → value record. */
export function parseToggleSet(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part || part === 'defaults') continue;
    const [name, value] = part.split('=');
    if (!name || value === undefined || (!ON.has(value) && !OFF.has(value))) {
      throw new Error(`"${part}" is not a toggle setting; write NAME=on or NAME=off`);
    }
    out[name] = value;
  }
  return out;
}

export function asBooleans(toggles: Record<string, string>): ToggleValues {
  return Object.fromEntries(Object.entries(toggles).map(([k, v]) => [k, ON.has(v)]));
}

type ToggleState = components['schemas']['ToggleStateResponse'];

async function statesOf(url: string, adminKey: string): Promise<ToggleState[]> {
  const { data, response } = await apiClient(url, adminKey).GET('/v1/admin/toggles');
  if (data === undefined)
    throw new Error(`GET ${url}/v1/admin/toggles answered ${response.status}`);
  return data.toggles;
}

// pattern:shedding:begin
/** Whether `name` is on, as the first API instance reports it (its runtime value or its env). */
export async function toggleIsOn(topology: Topology, name: string): Promise<boolean> {
  const states = await statesOf(topology.apis[0].adminUrl, topology.adminKey);
  return states.find((s) => s.name === name)?.on === true;
}
// pattern:shedding:end

/** Applies `values` and resolves once every instance reports them (or fails after 10 s). */
export async function setToggles(topology: Topology, values: ToggleValues): Promise<void> {
  if (!Object.keys(values).length) return;
  await patchToggles(topology, values);
  const deadline = Date.now() + 10_000;
  for (const api of topology.apis) {
    for (;;) {
      const states = await statesOf(api.adminUrl, topology.adminKey);
      const applied = Object.entries(values).every(([name, on]) => {
        const s = states.find((x) => x.name === name);
        return on === null ? s?.source !== 'runtime' : s?.on === on;
      });
      if (applied) break;
      if (Date.now() > deadline) {
        throw new Error(`${api.adminUrl} did not apply the toggles in 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Every toggle an instance knows, set back to its environment's value. */
export async function clearRuntimeToggles(topology: Topology): Promise<void> {
  const states = await statesOf(topology.apis[0].adminUrl, topology.adminKey);
  await setToggles(topology, Object.fromEntries(states.map((s) => [s.name, null])));
}

/**
 * PATCH /v1/admin/toggles, retrying a 503 for up to 10 s as its Retry-After asks: toggles are
 * published through Redis, and right after a redis-outage the instances' clients may still be
 * reconnecting when the next scenario flips a toggle.
 */
async function patchToggles(topology: Topology, values: ToggleValues): Promise<void> {
  // One instance's operator listener: the balancer does not route the operator plane, and a flip
  // reaches every instance through Redis.
  const client = apiClient(topology.apis[0].adminUrl, topology.adminKey);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { data, error, response } = await client.PATCH('/v1/admin/toggles', { body: values });
    if (data !== undefined) return;
    if (response.status !== 503 || Date.now() > deadline) {
      throw new Error(
        `PATCH /v1/admin/toggles answered ${response.status}: ${JSON.stringify(error)}`,
      );
    }
    const retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(Math.max(retryAfterMs, 200), 1000)),
    );
  }
}
