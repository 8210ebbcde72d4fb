import { Writable } from 'node:stream';
import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerHttpTelemetry } from './http-telemetry';
import { loggerParams } from './logger-params';
import { startTelemetry } from './start-telemetry';
import type { TelemetryHandle } from './telemetry-handle';
import { TelemetryModule } from './telemetry.module';
import type { TelemetryOptions } from './telemetry.options';
import { pollUntil } from './telemetry.fixture';
import { tracedServerFactory } from './traced-server-factory';

// nestjs-pino 5 exports its root only; its test reset sits in PinoLogger.js beside the entry point
// (the same module instance the root loads, so resetting it resets the logger in use).
const { __resetOutOfContextForTests } = createRequire(__filename)(
  join(dirname(require.resolve('nestjs-pino')), 'PinoLogger.js'),
) as { __resetOutOfContextForTests(): void };

@Controller('probe')
class ProbeController {
  constructor(private readonly logger: PinoLogger) {}

  @Get(':id')
  probe(@Param('id') id: string): { id: string } {
    this.logger.info({ id }, 'probing');
    return { id };
  }
}

interface NestApp {
  app: INestApplication;
  url: string;
  spans: InMemorySpanExporter;
  logLines: Record<string, unknown>[];
  telemetry: TelemetryHandle;
}

/** The app wiring docscale's main.ts uses: preload start, serverFactory, hooks, modules. */
async function startNestApp(options: Partial<TelemetryOptions>): Promise<NestApp> {
  const spans = new InMemorySpanExporter();
  const telemetry = startTelemetry({ serviceName: 'module-spec', spanExporter: spans, ...options });
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  @Module({
    imports: [
      TelemetryModule.forRoot({ telemetry }),
      LoggerModule.forRoot(loggerParams({ level: 'info', httpLogs: false, destination })),
    ],
    controllers: [ProbeController],
  })
  class SpecAppModule {}

  const adapter = new FastifyAdapter({ serverFactory: tracedServerFactory(telemetry) });
  const app = await NestFactory.create<NestFastifyApplication>(SpecAppModule, adapter, {
    logger: false,
  });
  registerHttpTelemetry(app.getHttpAdapter().getInstance(), telemetry);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), spans, logLines, telemetry };
}

describe('TelemetryModule in a Nest app on Fastify', () => {
  let running: NestApp | undefined;
  afterEach(async () => {
    await running?.app.close();
    await running?.telemetry.shutdown();
    running = undefined;
    // nestjs-pino keeps the first out-of-request logger (and its destination) for the process.
    __resetOutOfContextForTests();
  });

  it('serves the RED metrics of Nest routes at GET /metrics in the Prometheus text format', async () => {
    running = await startNestApp({ traceSampleRatio: 0 });
    await fetch(`${running.url}/probe/a`);
    await fetch(`${running.url}/probe/b`);

    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toMatch(
      /^http_server_request_duration_count\{http_request_method="GET",http_route="\/probe\/:id",http_response_status_code="200",[^}]*\} 2$/m,
    );
  });

  it('joins a sampled request’s log lines to its trace, and writes no per-request log line', async () => {
    running = await startNestApp({ traceSampleRatio: 1 });
    expect((await fetch(`${running.url}/probe/x`)).status).toBe(200);
    await pollUntil(() => running!.spans.getFinishedSpans().length === 1, 'the server span');

    const [span] = running.spans.getFinishedSpans();
    expect(span.name).toBe('GET /probe/:id');
    expect(running.logLines).toEqual([
      expect.objectContaining({
        msg: 'probing',
        id: 'x',
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      }),
    ]);
  });

  it('answers 404 at GET /metrics when metrics are off', async () => {
    running = await startNestApp({ metrics: false });
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
  });

  it('keeps /metrics out of the OpenAPI document', async () => {
    running = await startNestApp({});
    const document = SwaggerModule.createDocument(
      running.app,
      new DocumentBuilder().setTitle('spec').build(),
    );
    expect(Object.keys(document.paths)).toEqual(['/probe/{id}']);
  });
});
