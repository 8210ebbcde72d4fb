/**
 * The contract check's verdict, after each e2e file (jest setupFilesAfterEnv): every response the
 * file's servers send is checked against the OpenAPI document (src/openapi/contract-check.ts),
 * and any the document does not describe (status, body or headers) fails the file, listed.
 *
 * Each file gets a violations file of its own, named in OPENAPI_CONTRACT_CHECK_FILE before its
 * instances start (spawned ones inherit the environment; in-process apps read it too), so files
 * run in parallel workers, or a late response of an earlier file, cannot be blamed on this one.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractViolation } from '../../src/openapi/contract-check';

const SHOWN = 20;
const file = join(tmpdir(), `docscale-contract-${process.pid}-${randomUUID()}.jsonl`);
process.env.OPENAPI_CONTRACT_CHECK_FILE = file;

afterAll(() => {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  rmSync(file, { force: true });
  if (lines.length === 0) return;
  const violations = lines.map((l) => JSON.parse(l) as ContractViolation);
  const shown = violations
    .slice(0, SHOWN)
    .map(
      (v) => `  ${v.method} ${v.url} → ${v.status} (${v.operationId}): ${v.problems.join('; ')}`,
    );
  throw new Error(
    `${violations.length} response(s) the OpenAPI document does not describe (docs/openapi.json):\n` +
      shown.join('\n') +
      (violations.length > SHOWN ? `\n  … and ${violations.length - SHOWN} more` : ''),
  );
});
