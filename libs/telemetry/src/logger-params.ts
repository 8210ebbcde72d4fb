/**
 * Logs (pino through nestjs-pino) that can be joined to traces, at no cost per request unless
 * per-request logs are asked for.
 *
 * Problem: a log line is only useful next to its trace if it carries the trace id, and the
 * request logging most Nest templates ship costs throughput on every request: with `autoLogging`
 * off, pino-http still generates an id, builds a child logger that serialises the request, and
 * nestjs-pino opens an AsyncLocalStorage scope, per request. Mechanism: a pino `mixin` reads the
 * active span when a line is written and adds `trace_id`/`span_id` (only for a sampled span, whose
 * trace exists); with `httpLogs` off the request middleware is not mounted at all, and RED metrics
 * cover what request logs would have said. Failure mode: with `httpLogs` off, lines written during
 * an unsampled request carry no request id; only lines of sampled requests carry a trace id, and
 * not pino-http's "request completed" line, written from a response event outside the trace.
 */
import { trace, TraceFlags } from '@opentelemetry/api';
import type { Params } from 'nestjs-pino';
import { hostname } from 'node:os';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';

export interface LoggerOptions {
  /** pino level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'. */
  level: string;
  /** One log line per request (pino-http `autoLogging`) with a request-scoped logger. */
  httpLogs: boolean;
  /**
   * Written on every line as `service_version` and `service_instance_id` (beside pino's `pid` and
   * `hostname`): the same instance id as the traces' and metrics' `service.instance.id`.
   * @defaultValue undefined (pino's own fields only)
   */
  service?: { readonly version: string; readonly instanceId: string };
  /**
   * Where lines go.
   * @defaultValue stdout
   */
  destination?: DestinationStream;
}

/** Headers that hold credentials: never written to a log. */
const REDACTED_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]'];

/** Adds the ids of the active sampled span to a log line; a fresh object each time (pino mutates it). */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & TraceFlags.SAMPLED) === 0) return {};
  return { trace_id: traceId, span_id: spanId };
}

/** `LoggerModule.forRoot(loggerParams({ level, httpLogs }))`. */
export function loggerParams(options: LoggerOptions): Params {
  const pinoOptions: Options = {
    level: options.level,
    ...(options.service && {
      base: {
        pid: process.pid,
        hostname: hostname(),
        service_version: options.service.version,
        service_instance_id: options.service.instanceId,
      },
    }),
    mixin: traceLogFields,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    autoLogging: options.httpLogs,
  };
  return {
    pinoHttp: options.destination === undefined ? pinoOptions : [pinoOptions, options.destination],
    // No routes: the pino-http middleware (and its per-request child logger) is never mounted.
    ...(options.httpLogs ? {} : { forRoutes: [] }),
  };
}
