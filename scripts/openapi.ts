/**
 * `npm run openapi`: writes the OpenAPI document to docs/openapi.json, from the controllers and
 * DTOs alone (Nest's preview mode: no provider is created, nothing connects). `npm run
 * openapi:check` only says whether the committed file is current (exit 1 if not); the unit suite
 * checks it too.
 */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VERSIONING } from '../src/app.factory';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/config';
import { projectRoot } from '../src/config/package-json';
import { createOpenApiDocument } from '../src/openapi/openapi-document';

export const OPENAPI_FILE = join(projectRoot(), 'docs', 'openapi.json');

export async function generateOpenApi(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot(AppConfig.load()), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    app.enableVersioning(VERSIONING);
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The file's text: stable key order as generated, two-space indent, a final newline. */
export const openApiText = (document: OpenAPIObject) => `${JSON.stringify(document, null, 2)}\n`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const text = openApiText(await generateOpenApi());
  if (values.check) {
    const current = readFileSync(OPENAPI_FILE, 'utf8') === text;
    console.log(
      current ? 'docs/openapi.json is current' : 'docs/openapi.json is stale: run npm run openapi',
    );
    process.exit(current ? 0 : 1);
  }
  writeFileSync(OPENAPI_FILE, text);
  console.log('wrote docs/openapi.json');
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`openapi: ${err.message}`);
    process.exit(1);
  });
}
