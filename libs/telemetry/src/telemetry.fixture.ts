/** Test fixtures of this lib's specs (not exported from index.ts). */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import fastify, { type FastifyInstance } from 'fastify';
import { registerHttpTelemetry } from './http-telemetry';
import { startTelemetry } from './start-telemetry';
import type { TelemetryHandle } from './telemetry-handle';
import type { TelemetryOptions } from './telemetry.options';
import { tracedServerFactory } from './traced-server-factory';

export interface TracedApp {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly spans: InMemorySpanExporter;
  readonly telemetry: TelemetryHandle;
  close(): Promise<void>;
}

/**
 * A bare Fastify app wired as docscale wires its own (serverFactory + hooks), listening on an
 * ephemeral loopback port; `routes` adds the routes under test.
 */
export async function startTracedApp(
  options: Partial<TelemetryOptions>,
  routes: (app: FastifyInstance) => void,
): Promise<TracedApp> {
  const spans = new InMemorySpanExporter();
  const telemetry = startTelemetry({
    serviceName: 'telemetry-spec',
    spanExporter: spans,
    ...options,
  });
  const app = fastify({ serverFactory: tracedServerFactory(telemetry) });
  registerHttpTelemetry(app, telemetry);
  routes(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    spans,
    telemetry,
    async close() {
      await app.close();
      await telemetry.shutdown();
    },
  };
}

/** Polls `check` until it holds or the deadline passes (spans end after the client has its answer). */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
