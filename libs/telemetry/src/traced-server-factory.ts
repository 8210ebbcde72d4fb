/**
 * Head sampling at the HTTP edge: the one place that decides whether a request is traced.
 *
 * Problem: tracing every request "just in case" (span, context, attributes, then a sampler that
 * says no) is what made the stock HTTP instrumentation cost about 65% of a bare route's
 * throughput. Mechanism: this Fastify `serverFactory` sees each request before Fastify does. A
 * request carrying a `traceparent` from a trusted peer follows its sampled flag (parent-based;
 * trace-context-trust.ts says who is trusted); any other request is sampled with probability
 * `traceSampleRatio`, by one `Math.random()` compare, and an untrusted `traceparent` becomes a
 * link of the new trace, not its parent. An unsampled request
 * goes straight to Fastify's handler: no span, no context, nothing allocated (but the context a
 * `traceparent` header is parsed into, when a caller sends one). A sampled one gets a
 * SERVER span and runs inside its context; `registerHttpTelemetry` later names the span after the
 * matched route, and the span ends when the response closes.
 * Failure mode: work a request schedules outside its async context (a shared timer, a pooled
 * callback) is not traced; an unsampled upstream `traceparent` is not propagated downstream, so a
 * downstream service decides afresh.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { EDGE_SAMPLED_ROOT } from './edge-sampler';
import { currentTelemetry, internalsOf, type TelemetryHandle } from './telemetry-handle';
import type { TraceContextTrust } from './trace-context-trust';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Fastify's `serverFactory` option, spelled out: @nestjs/platform-fastify ships its own copy of
 * Fastify, whose types are not assignable to the root copy's.
 */
export type HttpServerFactory = (
  handler: RequestListener,
  fastifyOptions: Record<string, unknown>,
) => Server;

/**
 * A Fastify `serverFactory` (`new FastifyAdapter({ serverFactory: tracedServerFactory(telemetry) })`)
 * creating a plain HTTP/1 server. With 'docscale' tracing it samples at the edge; with 'stock' or
 * 'off' it adds nothing.
 */
export function tracedServerFactory(
  telemetry: TelemetryHandle = currentTelemetry(),
): HttpServerFactory {
  const { tracer, trustsTraceContext } = internalsOf(telemetry);
  return (handler, fastifyOptions) => {
    const listener: RequestListener =
      tracer === undefined
        ? handler
        : edgeSampled(handler, tracer, telemetry.traceSampleRatio, trustsTraceContext);
    return createFastifyLikeServer(listener, fastifyOptions);
  };
}

function edgeSampled(
  handler: RequestListener,
  tracer: Tracer,
  ratio: number,
  trusts: TraceContextTrust,
): RequestListener {
  return function edgeSampledRequest(req, res) {
    let parent: Context = EDGE_SAMPLED_ROOT;
    let links: Link[] | undefined;
    if (req.headers.traceparent !== undefined) {
      const extracted = propagation.extract(ROOT_CONTEXT, req.headers);
      const incoming = trace.getSpanContext(extracted);
      if (incoming !== undefined && trusts(req.socket.remoteAddress)) {
        if ((incoming.traceFlags & TraceFlags.SAMPLED) === 0) return handler(req, res);
        parent = extracted;
      } else if (Math.random() >= ratio) {
        return handler(req, res); // malformed or untrusted: decide afresh
      } else if (incoming !== undefined) {
        links = [{ context: incoming }];
      }
    } else if (Math.random() >= ratio) {
      return handler(req, res);
    }
    traced(handler, tracer, parent, links, req, res);
  };
}

function traced(
  handler: RequestListener,
  tracer: Tracer,
  parent: Context,
  links: Link[] | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const method = req.method ?? 'GET';
  // Named after the method until registerHttpTelemetry knows the route (semantic conventions).
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: requestAttributes(req, method), links },
    parent,
  );
  const active = trace.setSpan(parent, span);
  res.once('close', () => {
    if (res.writableFinished) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      // The client went away before the response was complete.
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    }
    span.end();
  });
  // Fastify carries this context across body parsing to the route handler. Response events
  // ('finish') are emitted from the connection's context and are deliberately not bound:
  // `context.bind(active, res)` costs about 4 µs, more than the span itself.
  context.with(active, handler, undefined, req, res);
}

function requestAttributes(req: IncomingMessage, method: string): Attributes {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  // No url.query: a query string can carry what must not reach a trace backend (a key pasted into
  // a URL, a search term), and the route (http.route) is what spans are compared by.
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_URL_PATH]: queryAt === -1 ? url : url.slice(0, queryAt),
  };
  if (req.headers['user-agent'] !== undefined)
    attributes[ATTR_USER_AGENT_ORIGINAL] = req.headers['user-agent'];
  if (req.socket.remoteAddress !== undefined)
    attributes[ATTR_CLIENT_ADDRESS] = req.socket.remoteAddress;
  return attributes;
}

/** The HTTP/1 server Fastify would have built itself from the same options. */
function createFastifyLikeServer(
  listener: RequestListener,
  options: Record<string, unknown>,
): Server {
  const server = createServer((options.http as ServerOptions | undefined) ?? {}, listener);
  if (typeof options.keepAliveTimeout === 'number')
    server.keepAliveTimeout = options.keepAliveTimeout;
  if (typeof options.requestTimeout === 'number') server.requestTimeout = options.requestTimeout;
  if (typeof options.connectionTimeout === 'number') server.setTimeout(options.connectionTimeout);
  if (typeof options.maxRequestsPerSocket === 'number' && options.maxRequestsPerSocket > 0)
    server.maxRequestsPerSocket = options.maxRequestsPerSocket;
  return server;
}
