/** What a scenario gets to drive one configuration's run (filled by runner.ts). */
import type autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LoadRecorder } from './recorder';
import type { Expectation } from './run-report';
import { STACK } from '../processes/stack';
import type { Topology } from './topology';
import { ZipfSampler } from './zipf';

export interface ScenarioContext {
  topology: Topology;
  /** Length of the run, in seconds. */
  seconds: number;
  smoke: boolean;
  /** The p99 bound in ms a scenario judges latency against (`--slo-ms`, 200 by default). */
  sloMs: number;
  recorder: LoadRecorder;
  zipf: ZipfSampler<string>;
  /** Scenario-specific figures for the report (ConfigurationResult.extra). */
  extra: Record<string, number | string>;
  /** The scenario's promises judged at the end of its run (ConfigurationResult.expectations). */
  expectations: Expectation[];
  /** Autocannon against the balancer, recorded (load.ts); `url` overrides the target. */
  load(options: {
    connections: number;
    seconds: number;
    requests: autocannon.Request[];
    overallRate?: number;
    url?: string;
  }): Promise<autocannon.Result>;
  /** Runs `action` `atSeconds` into the run and records it as a RunEvent when it is done. */
  at(atSeconds: number, label: string, action: () => Promise<void>): void;
  /** Records a RunEvent now: what a scenario saw happen (a replica out of rotation). */
  mark(label: string): void;
  /** Runs after the run whatever happened (restores what a fault broke), last added first. */
  finally(action: () => Promise<void>): void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<void>;

/** `scripts/stack.sh <args>`, e.g. `stop-member redis`: the fault injections of the stack. */
export async function stack(...args: string[]): Promise<void> {
  await promisify(execFile)('bash', [STACK, ...args]);
}

/** The parts of an instance's `/health/ready` details that scenarios read. */
export interface ReadinessDetails {
  /** Each breaker's state by name: `closed`, `open` or `half-open`. */
  breakers?: Record<string, string>;
  /** The replicas, in configuration order. */
  replicas?: { members?: { inRotation?: boolean }[] };
}

/** An instance's readiness details (whether ready or not); undefined if none came within 1 s. */
export async function readiness(api: { url: string }): Promise<ReadinessDetails | undefined> {
  return fetch(`${api.url}/health/ready`, { signal: AbortSignal.timeout(1000) })
    .then((res) => res.json() as Promise<{ details?: ReadinessDetails }>)
    .then((body) => body.details)
    .catch(() => undefined);
}

/** A document body for writes; `n` keeps titles distinct. */
export function newDocument(n: number): string {
  return JSON.stringify({
    title: `experiment ${n}`,
    body: `Written by the experiment runner, request ${n}.`,
    tags: ['experiment'],
  });
}
