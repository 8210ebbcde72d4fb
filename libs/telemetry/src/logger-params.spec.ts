import { Writable } from 'node:stream';
// pattern:telemetry:begin
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
// pattern:telemetry:end
import pino from 'pino';
import type { Options } from 'pino-http';
import { loggerParams, type LoggerOptions } from './logger-params';
// pattern:telemetry:begin
import { startTelemetry } from './start-telemetry';
import type { TelemetryHandle } from './telemetry-handle';
// pattern:telemetry:end

/** A pino logger built from the params' pino-http options, writing parsed lines into `lines`. */
function loggerFromParams(
  lines: Record<string, unknown>[],
  service?: LoggerOptions['service'],
): pino.Logger {
  const params = loggerParams({ level: 'info', httpLogs: false, service });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  const { autoLogging: _autoLogging, ...options } = params.pinoHttp as Options;
  return pino(options, sink);
}

describe('loggerParams', () => {
  // pattern:telemetry:begin
  let telemetry: TelemetryHandle;
  beforeAll(() => {
    telemetry = startTelemetry({
      serviceName: 'logger-spec',
      spanExporter: new InMemorySpanExporter(),
      traceSampleRatio: 1, // roots started outside the HTTP edge are sampled by ratio
    });
  });
  afterAll(() => telemetry.shutdown());

  it('adds the trace and span ids of the active span to each line', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = loggerFromParams(lines);
    const span = trace.getTracer('spec').startSpan('work', {}, ROOT_CONTEXT);
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.info('inside'));
    span.end();

    expect(span.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(TraceFlags.SAMPLED);
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
  });

  it('adds nothing outside a span, nor for an unsampled one', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = loggerFromParams(lines);
    logger.info('outside');
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    context.with(trace.setSpan(ROOT_CONTEXT, unsampled), () => logger.info('unsampled'));

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toHaveProperty('trace_id');
      expect(line).not.toHaveProperty('span_id');
    }
  });
  // pattern:telemetry:end

  it("writes the service's version and instance id on every line, beside pino's own fields", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = loggerFromParams(lines, { version: '1.2.3', instanceId: 'api-7' });
    logger.info('one');
    logger.child({ context: 'Worker' }).warn('two');

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({
        service_version: '1.2.3',
        service_instance_id: 'api-7',
        pid: process.pid,
        hostname: expect.any(String),
      });
    }
  });

  it('never writes the credentials headers', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = loggerFromParams(lines);
    logger.info(
      { req: { headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y', accept: '*/*' } } },
      'r',
    );

    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('k3y');
    expect(lines[0]).toMatchObject({ req: { headers: { accept: '*/*' } } });
  });

  it('mounts the per-request middleware only when request logs are on', () => {
    expect(loggerParams({ level: 'info', httpLogs: false })).toMatchObject({
      forRoutes: [],
      pinoHttp: { autoLogging: false },
    });
    const on = loggerParams({ level: 'debug', httpLogs: true });
    expect(on).not.toHaveProperty('forRoutes');
    expect(on.pinoHttp).toMatchObject({ autoLogging: true, level: 'debug' });
  });
});
