/**
 * The OpenAPI document: generated from the controllers' and DTOs' decorators, served at
 * /docs-json (and /docs), and committed as docs/openapi.json, which a unit test keeps current
 * (`npm run openapi` rewrites it). Clients are generated from the committed file.
 */
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Headers } from './api-responses'; // pattern:rate-limit
import { packageJson } from '../config/package-json';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** Security scheme names, as operations refer to them. */
export const SECURITY = {
  /** A tenant's API key as `Authorization: Bearer <key>`. */
  bearer: 'apiKeyBearer',
  /** The same key as `X-Api-Key: <key>`. */
  header: 'apiKeyHeader',
  /** ADMIN_API_KEY as `Authorization: Bearer <key>`, on /v1/admin/*. */
  admin: 'adminKey',
  /** ADMIN_API_KEY as `X-Api-Key: <key>`. */
  adminHeader: 'adminKeyHeader',
} as const;

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const pkg = packageJson();
  const config = new DocumentBuilder()
    .setTitle('docscale')
    .setDescription(
      'Multi-tenant document service: documents (CRUD, listing, full-text search), their export ' +
        'and indexing jobs, and the operator toggles. Every error is an RFC 9457 problem ' +
        '(`application/problem+json`) whose `type` resolves to a page (/problems/{slug}), but one: ' +
        'a request that reaches an instance on a kept-alive connection after it closed its listener ' +
        "during shutdown gets the framework's own JSON 503 with `Connection: close` (retry it).",
    )
    .setVersion(pkg.version)
    .setLicense(pkg.license, `https://spdx.org/licenses/${pkg.license}.html`)
    .addServer('/', 'This deployment (the origin the document was fetched from)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: "A tenant's API key (`dsk_…`), opaque.",
      },
      SECURITY.bearer,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: "A tenant's API key." },
      SECURITY.header,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'ADMIN_API_KEY, for /v1/admin/* only.',
      },
      SECURITY.admin,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'ADMIN_API_KEY.' },
      SECURITY.adminHeader,
    )
    .addTag('documents', 'Documents of the calling tenant')
    .addTag('jobs', "The tenant's export and indexing jobs")
    .addTag(
      'admin',
      'The operator plane (admin key): served only on the operator listener (OPERATOR_HOST:OPERATOR_PORT), which the edge does not route to; the public port answers these operations 404 `/problems/not-found`, like an unknown route.',
    )
    .addTag('health', 'Liveness and readiness probes')
    .addTag('problems', 'What each problem `type` means (the pages the type URIs name)')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Every operation names its own operationId (ApiOperation); this only catches one that does not.
    operationIdFactory: (controller, method) => `${controller}_${method}_missingOperationId`,
  });
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.patch, item.delete]) {
      if (operation === undefined) continue;
      closeRequestSchemas(document, operation);
      // The probes and the problem type pages authenticate no one: said (`security: []`), not left unsaid.
      if (operation.tags?.some((t) => PUBLIC_TAGS.includes(t))) operation.security = [];
      // pattern:rate-limit:begin
      // The rate limiter runs after authentication on every tenant route and sets its headers on
      // whatever the request then gets, a problem included: each response but the 401 may carry them.
      if (operation.security?.some((s) => SECURITY.bearer in s)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status !== '401' && response !== undefined && 'description' in response) {
            response.headers = { ...response.headers, ...Headers.rateLimit };
          }
        }
      }
      // pattern:rate-limit:end
    }
  }
  return document;
}

/**
 * The validation pipe refuses unknown fields in every body (src/problems/validation.pipe.ts): the
 * schemas of request bodies say so, and generated clients type them exactly.
 */
function closeRequestSchemas(document: OpenAPIObject, operation: Operation): void {
  const body = operation.requestBody;
  if (body === undefined || !('content' in body)) return;
  for (const media of Object.values(body.content)) {
    const ref = (media.schema as { $ref?: string } | undefined)?.$ref;
    const schema = ref && document.components?.schemas?.[ref.split('/').pop()!];
    if (schema && 'properties' in schema) schema.additionalProperties = false;
  }
}

/** Operations under these tags take no credentials. */
const PUBLIC_TAGS = ['health', 'problems'];
