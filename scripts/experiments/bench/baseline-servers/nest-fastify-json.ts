/**
 * Baseline: the framework floor. Nest on its Fastify adapter (as docscale runs) answering
 * GET /v1/documents/:id with the same fixed document as fastify-json.ts, serialized per request:
 * one controller, no guard, pipe, interceptor, auth, cache or I/O. Read against bare Fastify, it
 * is what Nest's own routing and response handling cost before docscale does anything.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { required } from './document-select';

const document: unknown = JSON.parse(required('BENCH_DOCUMENT'));

@Controller()
class DocumentController {
  @Get('v1/documents/:id')
  findOne(): unknown {
    return document;
  }

  /** What server.ts waits for before measuring. */
  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [DocumentController] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: ['error'],
  });
  await app.listen(Number(required('PORT')), '127.0.0.1');
}

main().catch((err: Error) => {
  console.error(`nest-fastify-json baseline: ${err.message}`);
  process.exit(1);
});
