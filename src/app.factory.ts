import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { AppConfig } from './config';
import { ProblemFilter } from './problems/problem.filter';
import { createValidationPipe } from './problems/validation.pipe';

/** Builds the HTTP application (not listening yet): main.ts and in-process tests share it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.env.HTTP_BODY_LIMIT_BYTES,
    // Behind nginx / an ingress the client address comes from X-Forwarded-For.
    trustProxy: true,
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
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
  return app;
}
