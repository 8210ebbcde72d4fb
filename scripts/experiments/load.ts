/**
 * A bounded loopback load with autocannon's programmatic API, every answer recorded per second
 * (recorder.ts). Progress is the runner's (progress.ts, fed by the sampler's seconds), not
 * autocannon's tracker: one line for the run, however many loads a scenario starts.
 */
import autocannon from 'autocannon';
import { EventEmitter } from 'node:events';
import { errorCode, LoadRecorder } from './recorder';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** The request sequence each connection repeats (path, method, body built per request). */
  requests: autocannon.Request[];
  /** Requests per second over all connections; unbounded when absent. */
  overallRate?: number;
  recorder: LoadRecorder;
}

export interface LoadHandle {
  done: Promise<autocannon.Result>;
  stop(): void;
}

export function startLoad(options: LoadOptions): LoadHandle {
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      headers: options.headers,
      requests: options.requests,
      overallRate: options.overallRate,
      // A request stuck behind a stopped Redis must show as a slow answer, not hang the run.
      timeout: 10,
    },
    () => undefined,
  );
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  // @types/autocannon declares ('response', status, bytes, time); the tracker actually emits
  // (client, status, bytes, time), so the listener is typed here by what autocannon 9 sends.
  (instance as EventEmitter).on(
    'response',
    (_client: unknown, status: number, _bytes: number, latencyMs: number) =>
      options.recorder.record(status, latencyMs),
  );
  instance.on('reqError', (err: unknown) => options.recorder.record(0, 0, errorCode(err)));
  return { done, stop: () => instance.stop() };
}

/** Runs `load` to its end. */
export async function runLoad(options: LoadOptions): Promise<autocannon.Result> {
  return startLoad(options).done;
}
