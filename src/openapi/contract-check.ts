/**
 * Contract checking for the test suites: every response this instance sends is checked against
 * its own OpenAPI document, and each mismatch is appended (one JSON line) to a file the e2e
 * suites read after each file (test/helpers/contract.ts) and fail on.
 *
 * Off unless OPENAPI_CONTRACT_CHECK_FILE is set; never set in production (openapi-backend, Ajv and
 * ajv-formats are loaded only then). Checked on the server's side so that every response counts,
 * whichever client sent the request (supertest, fetch, autocannon, another process). What is
 * checked, for responses to an operation the document has (others, such as /metrics, are not):
 * - the status is documented;
 * - the body: a documented media type, valid against its schema; no body where none is documented;
 * - the headers: each documented one valid against its schema, those documented as always sent
 *   present, and no other header sent (but framing and caching ones, TRANSPORT_HEADERS).
 * Schemas are checked closed (no member they do not declare). Not seen here: answers Fastify sends
 * before routing (a malformed URL, an over-long parameter: documented by hand) or writes itself
 * while closing (`return503OnClosing`), and HEAD requests.
 *
 * openapi-backend finds the operation a request went to; Ajv validates, against the document's own
 * schemas. Not openapi-backend's validator: it compiles a dereferenced copy of each response's
 * schema for every status of every operation up front (ProblemDetails alone ~100 times), which took
 * 3–7 s at each process start here, and an e2e run starts dozens. Ajv compiles each schema once,
 * when a response first needs it, following the document's `$ref`s.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ValidateFunction } from 'ajv';
import { appendFileSync } from 'node:fs';

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

/** The document's key of the checked copy in Ajv. */
const DOCUMENT = 'openapi';

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

interface HeaderObject {
  required?: boolean;
  schema?: object;
}

interface ResponseObject {
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, HeaderObject>;
}

interface Operation {
  operationId?: string;
  path: string;
  method: string;
  responses: Record<string, ResponseObject>;
}

export async function registerContractCheck(
  fastify: ContractCheckTarget,
  document: OpenAPIObject,
  file: string,
): Promise<void> {
  const { OpenAPIBackend } = await import('openapi-backend');
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  // The router only: quick (nothing compiled), no validation.
  const router = new OpenAPIBackend({
    definition: structuredClone(document) as never,
    quick: true,
    validate: false,
    // Fastify tells /v1/documents from /v1/documents/; so must the check.
    ignoreTrailingSlashes: false,
  });
  await router.init();
  const checked = structuredClone(document);
  close(checked.components);
  close(checked.paths);
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  ajv.addSchema(checked as object, DOCUMENT);
  // Header values are text: `RateLimit-Limit: 10` is an integer once coerced.
  const coercing = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true }));
  const validators = new Validators(ajv, coercing);

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
      const operation = router.router.matchOperation({
        method: request.method,
        path: request.url.split('?', 1)[0],
        headers: request.headers as Record<string, string>,
      }) as Operation | undefined;
      if (operation !== undefined) {
        const problems = check(
          validators,
          operation,
          reply.statusCode,
          reply.getHeaders(),
          payload,
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

/** Compiled validators, each compiled once, when first needed. */
class Validators {
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    private readonly ajv: import('ajv').default,
    private readonly coercing: import('ajv').default,
  ) {}

  /** The validator of the schema at `pointer` (JSON pointer parts) in the checked document. */
  at(parts: string[]): ValidateFunction {
    const ref = `${DOCUMENT}#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    let validate = this.compiled.get(ref);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  /** A validator of one header value against `schema`, coercing the text it is sent as. */
  header(schema: object): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.coercing.compile({ type: 'object', properties: { value: schema } });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

function check(
  validators: Validators,
  operation: Operation,
  status: number,
  headers: Record<string, unknown>,
  payload: unknown,
): string[] {
  const statusKey = String(status) in operation.responses ? String(status) : 'default';
  const documented = operation.responses[statusKey];
  if (documented === undefined) return [`status ${status} is not documented`];
  const problems: string[] = [];
  const responsePath = ['paths', operation.path, operation.method, 'responses', statusKey];

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
  } else if (contentType.endsWith('json') && documented.content[contentType].schema) {
    const validate = validators.at([...responsePath, 'content', contentType, 'schema']);
    if (!validate(JSON.parse(text))) {
      for (const e of validate.errors ?? []) problems.push(`body${e.instancePath} ${e.message}`);
    }
  }

  const describedHeaders = Object.entries(documented.headers ?? {});
  for (const [name, { required, schema }] of describedHeaders) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (required === true)
        problems.push(`header ${name} is documented as always sent but is missing`);
    } else if (schema !== undefined) {
      const validate = validators.header(schema);
      if (!validate({ value: String(value) })) {
        for (const e of validate.errors ?? [])
          problems.push(`headers/${name.toLowerCase()} ${e.message}`);
      }
    }
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
 * Every object schema with declared properties under `node`, closed unless it says otherwise: a
 * member the document does not declare is a mismatch too (problem extension members included:
 * ProblemDetails declares each one docscale sends).
 */
function close(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const schema = node as { properties?: unknown; additionalProperties?: unknown };
  if (typeof schema.properties === 'object' && schema.additionalProperties === undefined)
    schema.additionalProperties = false;
  for (const value of Object.values(node)) close(value);
}
