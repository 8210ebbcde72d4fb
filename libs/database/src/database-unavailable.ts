/**
 * Tells a database that is down, restarting or overloaded apart from a bad query: the first is
 * the service's problem to report as 503 + Retry-After (the client may retry), the second a bug.
 */

/** SQLSTATE classes and codes that mean "not now" rather than "not ever". */
const UNAVAILABLE_SQLSTATES = [
  /^08/, // connection exception
  /^53/, // insufficient resources (too many connections, out of memory, disk full)
  /^57P0[1-4]$/, // admin/crash shutdown, cannot connect now, database dropped
  /^57014$/, // query cancelled: statement_timeout
  /^40001$/, // serialization failure
  /^40P01$/, // deadlock detected
];

const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND', // a replica's DNS name gone (a stopped container or pod)
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Messages of node-postgres' own client-side failures (pool wait, query_timeout, lost socket). */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /connection (is )?(closed|ended)/i,
  /not queryable/i, // node-postgres: "Client was closed / has encountered a connection error"
];

/**
 * Errors in the statement itself (data, integrity, syntax, feature, cardinality, check option):
 * any member would refuse it the same way, so a replica read failing with one is not retried on
 * the primary; nor is an error that did not come from the database at all. Every other failure
 * of a replica read is the replica's, and is.
 */
const STATEMENT_SQLSTATE = /^(22|23|42|0A|21|44)/;

/** The driver's error: TypeORM wraps it in QueryFailedError, keeping it as `driverError`. */
function driverCause(err: unknown): unknown {
  return (err as { driverError?: unknown })?.driverError ?? err;
}

function codeOf(err: unknown): unknown {
  return (driverCause(err) as { code?: unknown })?.code;
}

export function failsOnAnyMember(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string') return STATEMENT_SQLSTATE.test(code);
  // No code: node-postgres names its client-side failures only by message. Anything else is the
  // caller's own code failing (ReadRouting.readWith runs arbitrary TypeORM work: a property typo,
  // a TypeError): no member would do better, and blaming the replica would flap its rotation.
  return !isDatabaseUnavailable(err);
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const cause = driverCause(err);
  if (!(cause instanceof Error)) return false;
  const code = codeOf(cause);
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATES.some((re) => re.test(code));
  }
  return UNAVAILABLE_MESSAGES.some((re) => re.test(cause.message));
}

/**
 * Whether a failed primary statement says the primary is failing (what its breaker counts): it is
 * unavailable, and not merely a statement that ran too long (statement_timeout: the server is
 * answering, and one tenant's slow query must not open the breaker for all) or a transaction that
 * lost a race (serialization failure, deadlock).
 */
export function isMemberFailure(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string' && (/^40/.test(code) || code === '57014')) return false;
  return isDatabaseUnavailable(err);
}

/** Whether a failure was a timeout (statement, query, connect or pool wait). */
export function isTimeout(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === '57014' ||
    code === 'ETIMEDOUT' ||
    /timeout/i.test(String((driverCause(err) as Error)?.message))
  );
}
