/**
 * `npm run bench:cache`: what each cache tier buys on GET /v1/documents/:id, measured as ratios
 * within one run (see comparison.ts for how).
 *
 * The 1000 seeded ids are read round-robin, so each is reread several times a second: with L1 on,
 * most reads are in-process hits and the rest (an L1 entry lives CACHE_L1_TTL_MS, 1 s by default)
 * go to L2 or the database; "L2 only" pays a Redis round trip per read instead of a primary-key
 * select. Telemetry stays at its defaults in every variant.
 */
import { runComparison, Variant } from './comparison';

const VARIANTS: Variant[] = [
  { name: 'cache off', env: { CACHE_L1: 'off', CACHE_L2: 'off' } },
  { name: 'L2 only', env: { CACHE_L1: 'off' } },
  { name: 'L1 only', env: { CACHE_L2: 'off' } },
  { name: 'L1 + L2', env: {} },
  // The distributed limiter's price: one Redis script per request (a limit no run reaches).
  { name: 'L1 + L2 + rate limit', env: { RATE_LIMIT: 'on', RATE_LIMIT_READS: '1000000000' } },
];

runComparison({
  command: 'bench:cache',
  tenant: 'bench-cache',
  workload: 'GET /v1/documents/:id (auth + cache lookup, a primary-key select on a miss)',
  variants: VARIANTS,
  baseline: 'cache off',
}).catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
