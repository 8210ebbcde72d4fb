/**
 * The operator plane on a listener of its own: /v1/admin/* and /metrics answer only on
 * OPERATOR_HOST:OPERATOR_PORT, which no edge routes to (nginx, the Ingress) and a NetworkPolicy
 * opens to operators and Prometheus only.
 *
 * Problem: on the public port, the admin toggles were one leaked or default key away from anyone
 * switching rate limiting or load shedding off on every instance, and /metrics told anyone the
 * traffic, the tenants' error rates and the dependencies' state. Mechanism: a second HTTP server
 * hands its requests to the same Fastify routing (`fastify.routing`), so both listeners serve the
 * one app (hooks, guards, metrics and all); an onRequest hook answers the operator routes with the
 * API's ordinary 404 (the one an unknown route gets, so the public port does not even say they
 * exist) unless the request came in on the operator listener. The listener is closed with the app
 * (drained like the public one), so graceful shutdown covers both. /health/* answers on both: a
 * kubelet or a balancer may probe either, and the edge does not route it.
 *
 * Failure mode: whoever reaches the operator port reaches the admin API (the admin key still
 * applies); binding it beyond loopback (OPERATOR_HOST=0.0.0.0 in containers) relies on the
 * network to keep it private. Each instance on a host needs a port of its own: a taken port stops
 * the process at start.
 */
import { Logger, NotFoundException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
// pattern:telemetry:begin
// pattern:telemetry:else
// import { createServer } from 'node:http';
// pattern:telemetry:end
import { closeWithFastify } from '@docscale/resilience';
import { currentTelemetry, TelemetryHandle, tracedServerFactory } from '@docscale/telemetry'; // pattern:telemetry
import { AppConfig } from './config';
import { sendProblem } from './problems/problem.filter';

/** Route templates (as registered, so percent-encoding cannot dodge it) of the operator plane. */
export function isOperatorRoute(route: string): boolean {
  return route === '/metrics' || route.startsWith('/v1/admin/');
}

export class OperatorListener {
  private readonly server: Server;
  /** Requests that came in on the operator listener (the raw Node request, tagged on arrival). */
  private readonly received = new WeakSet<IncomingMessage>();

  /** Call before the app starts (it adds Fastify hooks); then `listen()` once it is initialised. */
  constructor(
    app: NestFastifyApplication,
    private readonly config: AppConfig,
    telemetry: TelemetryHandle = currentTelemetry(), // pattern:telemetry
  ) {
    const fastify = app.getHttpAdapter().getInstance();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.received.add(req);
      fastify.routing(req, res);
    };
    // pattern:telemetry:begin
    // The same edge sampling as the public server, and the keep-alive and request timeouts
    // Fastify gave its own server.
    this.server = tracedServerFactory(telemetry)(handler, { ...fastify.initialConfig });
    // pattern:telemetry:else
    // // The keep-alive and connection timeouts Fastify gave its own server.
    // this.server = createServer(handler);
    // const { keepAliveTimeout, connectionTimeout } = fastify.initialConfig;
    // if (keepAliveTimeout !== undefined) this.server.keepAliveTimeout = keepAliveTimeout;
    // if (connectionTimeout !== undefined) this.server.setTimeout(connectionTimeout);
    // pattern:telemetry:end
    const log = new Logger('Problem');
    fastify.addHook('onRequest', (request, reply, done) => {
      const route = request.routeOptions.url;
      if (route === undefined || !isOperatorRoute(route) || this.received.has(request.raw)) {
        return done();
      }
      sendProblem(new NotFoundException(), request, reply, config.env.HTTP_BODY_LIMIT_BYTES, log);
    });
    closeWithFastify(fastify, this.server);
  }

  /** Starts listening; fails (and so stops the process at start) if the port is taken. */
  async listen(): Promise<void> {
    const { OPERATOR_HOST: host, OPERATOR_PORT: port } = this.config.env;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) =>
        reject(
          new Error(
            `the operator listener could not listen on ${host}:${port} (OPERATOR_HOST, OPERATOR_PORT; each instance needs a port of its own): ${err.message}`,
            { cause: err },
          ),
        );
      this.server.once('error', failed);
      this.server.listen(port, host, () => {
        this.server.off('error', failed);
        resolve();
      });
    });
    new Logger('OperatorListener').log(`operator plane on http://${host}:${port}`);
  }
}
