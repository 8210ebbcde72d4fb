import type { RawServerDefault } from 'fastify';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
// pattern:telemetry:begin
import {
  TelemetryHandle,
  currentTelemetry,
  registerHttpTelemetry,
  tracedServerFactory,
} from '@docscale/telemetry';
// pattern:telemetry:end
import { drainKeepAliveConnections } from '@docscale/resilience';
// pattern:shedding:begin
import { loadSheddingOptionsFrom, registerLoadShedding } from '@docscale/resilience';
import { Toggles } from '@docscale/toggles';
import { Logger as NestLogger } from '@nestjs/common';
// pattern:shedding:end
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config';
import { registerContractCheck } from './openapi/contract-check';
import { createOpenApiDocument } from './openapi/openapi-document';
import { frameworkErrorHandler, ProblemFilter } from './problems/problem.filter';
// pattern:shedding:begin
import { sendProblem } from './problems/problem.filter';
// pattern:shedding:end
import { createValidationPipe } from './problems/validation.pipe';

/** Routes carry their version in the path: /v1/documents. */
export const VERSIONING = { type: VersioningType.URI } as const;

/** Builds the HTTP application (not listening yet): main.ts and in-process tests share it. */
export async function createApp(
  config: AppConfig,
  telemetry: TelemetryHandle = currentTelemetry(), // pattern:telemetry
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // pattern:telemetry:begin
    // Head sampling happens here, once per request, before Fastify sees it (libs/telemetry).
    serverFactory: tracedServerFactory(telemetry),
    // pattern:telemetry:end
    bodyLimit: config.env.HTTP_BODY_LIMIT_BYTES,
    // X-Forwarded-For is believed only from these proxies (nginx, the ingress): anyone else could
    // claim any client address.
    trustProxy: config.env.TRUST_PROXY,
    // Errors Fastify raises while routing (bad percent-encoding, over-long parameter) never reach
    // Nest's filters: answer them as problems too.
    frameworkErrors: frameworkErrorHandler(config),
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  // First hooks: RED metrics cover everything after.
  registerHttpTelemetry(fastify, telemetry); // pattern:telemetry
  // pattern:shedding:begin
  await shedLoad(app, config);
  // pattern:shedding:end
  drainKeepAliveConnections(fastify);
  // Only JSON is accepted: without this, Fastify would parse text/plain into a string body.
  fastify.removeContentTypeParser('text/plain');
  // An empty body is no body, whatever its Content-Type says: clients and libraries send
  // `Content-Type: application/json` on every request, DELETE included, and Fastify's own parser
  // refuses "" as malformed JSON. Operations that need a body refuse a missing one (validation
  // pipe); those that take none accept it. PATCH bodies may also be RFC 7396 merge patches.
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    ['application/json', 'application/merge-patch+json'],
    {},
    (request, body, done) =>
      body.length === 0 ? done(null, undefined) : json(request, body.toString(), done),
  );
  app.enableVersioning(VERSIONING);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter(config));
  // After versioning: the document's paths carry the version (/v1/...). Built only if used.
  const checkFile = config.env.OPENAPI_CONTRACT_CHECK_FILE;
  if (config.env.API_DOCS || checkFile !== undefined) {
    const document = createOpenApiDocument(app);
    if (config.env.API_DOCS) SwaggerModule.setup('docs', app, document);
    if (checkFile !== undefined) await registerContractCheck(fastify, document, checkFile);
  }
  return app;
}

// pattern:shedding:begin
/**
 * Refuses new requests with a fast 503 while the instance is overloaded; before Nest's own hooks,
 * so a refused request costs next to nothing. Probes and metrics are never refused. Refusals are
 * counted (docscale.shed.requests), not logged: a log line each is what an overloaded process
 * can least afford.
 */
async function shedLoad(app: NestFastifyApplication, { env }: AppConfig): Promise<void> {
  const toggles = app.get(Toggles);
  const silent = {
    warn: () => undefined,
    error: (m: unknown) => new NestLogger('Problem').error(m),
  };
  await registerLoadShedding(
    app.getHttpAdapter().getInstance(),
    loadSheddingOptionsFrom(env, {
      enabled: () => toggles.isOn('LOAD_SHEDDING'),
      // The control plane too: an operator switching a toggle (a cache back on, shedding off) must
      // get through to an overloaded instance, which is when it matters. It is admin-key only.
      exempt: (path) =>
        path.startsWith('/health/') || path === '/metrics' || path.startsWith('/v1/admin/'),
      reject: (err, request, reply) =>
        sendProblem(err, request, reply, env.HTTP_BODY_LIMIT_BYTES, silent),
    }),
  );
}
// pattern:shedding:end
