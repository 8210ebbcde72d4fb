/**
 * Contract checking for the test suites: every response this instance sends is checked against
 * its own OpenAPI document, and each mismatch is appended (one JSON line) to a file the e2e
 * suites read after each file (test/helpers/contract.ts) and fail on.
 *
 * Off unless OPENAPI_CONTRACT_CHECK_FILE is set; never set in production (openapi-backend is a
 * devDependency, loaded only then). Checked on the server's side so that every response counts,
 * whichever client sent the request (supertest, fetch, autocannon, another process). What is
 * checked, for responses to an operation the document has (others, such as /metrics, are not):
 * - the status is documented;
 * - the body: a documented media type, valid against its schema (openapi-backend and Ajv do the
 *   validating); no body where none is documented;
 * - the headers: each documented one valid against its schema, those documented as always sent
 *   present, and no other header sent (but framing and caching ones, TRANSPORT_HEADERS).
 * Response schemas are checked closed (no member they do not declare). Not seen here: answers
 * Fastify sends before routing (a malformed URL, an over-long parameter: documented by hand) or
 * writes itself while closing (`return503OnClosing`), and HEAD requests.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { appendFileSync } from 'node:fs';
import { PROBLEM_CONTENT_TYPE } from '../problems/problem';

/**
 * Headers every HTTP response may carry whatever the operation (framing, caching directives the
 * framework adds): any other header sent where the document does not describe it is a violation.
 */
const TRANSPORT_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'cache-control',
  'vary',
]);

/** The parts of a Fastify instance (any copy) the check hooks into. */
export interface ContractCheckTarget {
  addHook(
    name: 'onSend',
    hook: (
      request: { method: string; url: string; headers: Record<string, unknown> },
      reply: {
        statusCode: number;
        getHeaders(): Record<string, unknown>;
      },
      payload: unknown,
      done: (err: null, payload: unknown) => void,
    ) => void,
  ): unknown;
}

export interface ContractViolation {
  method: string;
  url: string;
  status: number;
  operationId?: string;
  problems: string[];
}

type Operation = {
  operationId?: string;
  responses: Record<
    string,
    { content?: Record<string, unknown>; headers?: Record<string, unknown> }
  >;
};

export async function registerContractCheck(
  fastify: ContractCheckTarget,
  document: OpenAPIObject,
  file: string,
): Promise<void> {
  const { OpenAPIBackend, SetMatchType } = await import('openapi-backend');
  const { default: addFormats } = await import('ajv-formats');
  const api = new OpenAPIBackend({
    definition: validatable(document) as never,
    quick: false,
    validate: true,
    // Fastify tells /v1/documents from /v1/documents/; so must the check.
    ignoreTrailingSlashes: false,
    ajvOpts: { allErrors: true },
    customizeAjv: (ajv) => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  // Statuses, media types and headers are read from the document as served, not from the copy.
  const served = new Map<string, Operation>();
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Operation[]) {
      if (operation?.operationId !== undefined) served.set(operation.operationId, operation);
    }
  }

  const record = (violation: ContractViolation) => {
    try {
      appendFileSync(file, `${JSON.stringify(violation)}\n`);
    } catch (err) {
      // The check must never break a response; a lost record is said on stderr instead.
      console.error(`contract check: could not record a violation in ${file}: ${String(err)}`);
    }
  };

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const seen = { method: request.method, url: request.url, status: reply.statusCode };
    try {
      const operation = api.router.matchOperation({
        method: request.method,
        path: request.url.split('?', 1)[0],
        headers: request.headers as Record<string, string>,
      }) as Operation | undefined;
      if (operation?.operationId !== undefined) {
        const problems = check(
          api,
          operation,
          served.get(operation.operationId)!,
          reply.statusCode,
          reply.getHeaders(),
          payload,
          SetMatchType.Any,
        );
        if (problems.length > 0) record({ ...seen, operationId: operation.operationId, problems });
      }
    } catch (err) {
      record({ ...seen, problems: [`contract check failed: ${(err as Error).message}`] });
    } finally {
      done(null, payload);
    }
  });
}

function check(
  api: import('openapi-backend').OpenAPIBackend,
  operation: Operation,
  asServed: Operation,
  status: number,
  headers: Record<string, unknown>,
  payload: unknown,
  any: import('openapi-backend').SetMatchType,
): string[] {
  const documented = asServed.responses[String(status)] ?? asServed.responses.default;
  if (documented === undefined) return [`status ${status} is not documented`];
  const problems: string[] = [];

  const contentType = String(headers['content-type'] ?? '')
    .split(';', 1)[0]
    .trim()
    .toLowerCase();
  const text = payloadText(payload);
  if (isStream(payload)) {
    // A streamed body is not read here; its status and headers are still checked.
  } else if (documented.content === undefined) {
    if (text !== undefined && text.length > 0) problems.push('a body where none is documented');
  } else if (text === undefined || text.length === 0) {
    problems.push('no body where one is documented');
  } else if (!(contentType in documented.content)) {
    problems.push(
      `content type ${contentType || '(none)'} is not one of ${Object.keys(documented.content).join(', ')}`,
    );
  } else if (contentType.endsWith('json')) {
    const result = api.validator.validateResponse(JSON.parse(text), operation as never, status);
    for (const e of result.errors ?? []) problems.push(`body${e.instancePath} ${e.message}`);
  }

  const headerResult = api.validator.validateResponseHeaders(headers, operation as never, {
    statusCode: status,
    // Each documented header present is checked against its schema; which must be present is
    // the document's `required`, checked below (openapi-backend's 'superset' would require all).
    setMatchType: any,
  });
  for (const e of headerResult.errors ?? []) problems.push(`headers${e.instancePath} ${e.message}`);
  const describedHeaders = Object.entries(documented.headers ?? {}) as [
    string,
    { required?: boolean },
  ][];
  for (const [name, { required }] of describedHeaders) {
    if (required === true && headers[name.toLowerCase()] === undefined)
      problems.push(`header ${name} is documented as always sent but is missing`);
  }
  const described = new Set(describedHeaders.map(([h]) => h.toLowerCase()));
  for (const name of Object.keys(headers).map((h) => h.toLowerCase())) {
    if (!TRANSPORT_HEADERS.has(name) && !described.has(name))
      problems.push(`header ${name} is sent but not documented for ${status}`);
  }
  return problems;
}

function payloadText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined;
}

const isStream = (payload: unknown) =>
  typeof (payload as { pipe?: unknown } | null)?.pipe === 'function';

/**
 * The document as checked, a copy (the served one is left as it is): openapi-backend validates
 * `application/json` bodies only, so each problem+json response gets the same schema under that
 * media type too; and object schemas are closed.
 */
function validatable(document: OpenAPIObject): OpenAPIObject {
  const copy = structuredClone(document);
  // Closed: a member the schema does not declare is a mismatch too (problem extension members
  // included: ProblemDetails declares each one docscale sends).
  close(copy.components?.schemas);
  for (const item of Object.values(copy.paths)) {
    for (const operation of Object.values(item) as Operation[]) {
      for (const response of Object.values(operation?.responses ?? {})) close(response.content);
    }
  }
  for (const item of Object.values(copy.paths)) {
    for (const operation of Object.values(item) as Operation[]) {
      if (typeof operation !== 'object' || operation?.responses === undefined) continue;
      for (const response of Object.values(operation.responses)) {
        const problem = response.content?.[PROBLEM_CONTENT_TYPE];
        if (problem !== undefined && response.content!['application/json'] === undefined) {
          response.content!['application/json'] = problem;
        }
      }
    }
  }
  return copy;
}

/** Every object schema with declared properties under `node`, closed unless it says otherwise. */
function close(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const schema = node as { properties?: unknown; additionalProperties?: unknown };
  if (typeof schema.properties === 'object' && schema.additionalProperties === undefined)
    schema.additionalProperties = false;
  for (const value of Object.values(node)) close(value);
}
