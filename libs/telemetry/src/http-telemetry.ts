/**
 * Per-request HTTP telemetry inside Fastify: the route name of sampled spans and the RED metrics
 * of every request.
 *
 * Problem: the edge (`tracedServerFactory`) sees raw URLs, which are unbounded; spans and metrics
 * must be keyed by the matched route template. Mechanism: an `onRequest` hook (after routing)
 * renames the active span, if there is one, to `METHOD /route/:template` and sets `http.route`;
 * `onResponse` records Fastify's own `reply.elapsedTime` into the pre-aggregated
 * `HttpServerMetrics` (no SDK call, no allocation per request), and keeps the in-flight count.
 * Unmatched requests use the route "unmatched". With 'stock' tracing the hook only hands the route
 * to the HTTP instrumentation, which names its span and records the same histogram itself.
 * Failure mode: hooks registered before these run first and are not counted in flight; a request
 * the client abandons is recorded with status 499 (nginx's "client closed request").
 *
 * The Fastify types are spelled out structurally: @nestjs/platform-fastify ships its own copy of
 * Fastify, whose `FastifyInstance` type is not assignable to the root copy's.
 */
import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { HttpServerMetrics } from './http-server-metrics';
import { currentTelemetry, internalsOf, type TelemetryHandle } from './telemetry-handle';

/** Set by the onRequest hook, cleared when the request ends: the request is in flight meanwhile. */
const IN_FLIGHT_REPLY = Symbol('docscale.telemetry.inFlightReply');

/** The parts of a Fastify request these hooks read. */
interface RoutedRequest {
  readonly method: string;
  readonly routeOptions: { readonly url?: string };
  [IN_FLIGHT_REPLY]?: TimedReply | null;
}

/** The parts of a Fastify reply these hooks read. */
interface TimedReply {
  readonly statusCode: number;
  /** Milliseconds since Fastify routed the request, frozen when the response finished. */
  readonly elapsedTime: number;
}

type Done = () => void;

/** What `registerHttpTelemetry` needs from a Fastify 5 instance (any copy of Fastify fits). */
export interface HttpTelemetryTarget {
  addHook(
    name: 'onRequest' | 'onResponse',
    hook: (request: RoutedRequest, reply: TimedReply, done: Done) => void,
  ): unknown;
  addHook(name: 'onRequestAbort', hook: (request: RoutedRequest, done: Done) => void): unknown;
  decorateRequest(name: symbol, value: null): unknown;
}

const UNMATCHED_ROUTE = 'unmatched';
const CLIENT_CLOSED_REQUEST = 499;

/**
 * Adds the route naming and RED hooks to a Fastify instance (`app.getHttpAdapter().getInstance()`).
 * Call it right after creating the app, before other hooks and routes, so that every request is
 * counted (including those other hooks reject).
 */
export function registerHttpTelemetry(
  fastify: HttpTelemetryTarget,
  telemetry: TelemetryHandle = currentTelemetry(),
): void {
  const { httpMetrics } = internalsOf(telemetry);
  const nameSpan =
    telemetry.tracing === 'docscale'
      ? nameSampledSpan
      : telemetry.tracing === 'stock'
        ? routeForHttpInstrumentation
        : undefined;
  if (httpMetrics === undefined) {
    if (nameSpan !== undefined) {
      fastify.addHook('onRequest', (request, _reply, done) => {
        nameSpan(request);
        done();
      });
    }
    return;
  }
  // Declared up front so that setting it per request does not change the request object's shape.
  fastify.decorateRequest(IN_FLIGHT_REPLY, null);
  // One onRequest hook for both jobs: each hook costs Fastify a call through its hook runner.
  fastify.addHook('onRequest', (request, reply, done) => {
    nameSpan?.(request);
    request[IN_FLIGHT_REPLY] = reply;
    httpMetrics.inFlight++;
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    finish(httpMetrics, request, reply, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    // Fastify skips onResponse for a request whose client went away: count it here instead.
    const reply = request[IN_FLIGHT_REPLY];
    if (reply != null) finish(httpMetrics, request, reply, CLIENT_CLOSED_REQUEST);
    done();
  });
}

function nameSampledSpan(request: RoutedRequest): void {
  // Unsampled requests have no span in their context: one AsyncLocalStorage read, nothing else.
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return;
  const route = request.routeOptions.url;
  if (route === undefined) return;
  span.updateName(`${request.method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}

/** 'stock': the HTTP instrumentation names its span and labels its histogram from this. */
function routeForHttpInstrumentation(request: RoutedRequest): void {
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) rpc.route = request.routeOptions.url;
}

function finish(
  httpMetrics: HttpServerMetrics,
  request: RoutedRequest,
  reply: TimedReply,
  status: number,
): void {
  if (request[IN_FLIGHT_REPLY] != null) {
    request[IN_FLIGHT_REPLY] = null;
    httpMetrics.inFlight--;
  }
  const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
  // Fastify's own clock: started when the request was routed, stopped when the response finished.
  httpMetrics.record(request.method, route, status, reply.elapsedTime / 1000);
}
