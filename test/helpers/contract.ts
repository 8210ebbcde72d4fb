/**
 * The contract check's verdict, after each e2e file (jest setupFilesAfterEnv): every response the
 * file's servers sent was checked against the OpenAPI document (src/openapi/contract-check.ts,
 * switched on for every API process of the run by global-setup.ts), and any response the document
 * does not describe (status, body or headers) fails the file, listed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ContractViolation } from '../../src/openapi/contract-check';

const SHOWN = 20;

afterAll(() => {
  const file = process.env.OPENAPI_CONTRACT_CHECK_FILE;
  if (file === undefined || !existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, '');
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
