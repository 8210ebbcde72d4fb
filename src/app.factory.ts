import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  TelemetryHandle,
  currentTelemetry,
  registerHttpTelemetry,
  tracedServerFactory,
} from '@docscale/telemetry';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config';
import { frameworkErrorHandler, ProblemFilter } from './problems/problem.filter';
import { createValidationPipe } from './problems/validation.pipe';

/** Builds the HTTP application (not listening yet): main.ts and in-process tests share it. */
export async function createApp(
  config: AppConfig,
  telemetry: TelemetryHandle = currentTelemetry(),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Head sampling happens here, once per request, before Fastify sees it (libs/telemetry).
    serverFactory: tracedServerFactory(telemetry),
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
  registerHttpTelemetry(fastify, telemetry); // first hooks: RED metrics cover everything after
  // Only JSON is accepted: without this, Fastify would parse text/plain into a string body.
  fastify.removeContentTypeParser('text/plain');
  // PATCH bodies may be sent as RFC 7396 JSON merge patches; they parse like JSON.
  fastify.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  );
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter(config));
  if (config.env.API_DOCS) serveApiDocs(app);
  return app;
}

/** The OpenAPI document at /docs (UI) and /docs-json, generated from the controllers and DTOs. */
function serveApiDocs(app: NestFastifyApplication): void {
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('docscale')
        .setDescription('Multi-tenant document service; errors are RFC 9457 problem+json.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    ),
  );
}
