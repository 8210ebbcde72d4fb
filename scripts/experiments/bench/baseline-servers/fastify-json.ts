/**
 * Baseline: bare Fastify 5 answering GET /v1/documents/:id with one fixed document (the JSON a
 * docscale GET returns, given as BENCH_DOCUMENT), serialized per request as docscale's is. What a
 * route costs with no framework, auth, cache or I/O: the ceiling every docscale ratio is read against.
 */
import Fastify from 'fastify';
import { required } from './document-select';

async function main(): Promise<void> {
  const document: unknown = JSON.parse(required('BENCH_DOCUMENT'));
  const app = Fastify({ logger: false });
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.get('/v1/documents/:id', async () => document);
  await app.listen({ host: '127.0.0.1', port: Number(required('PORT')) });
}

main().catch((err: Error) => {
  console.error(`fastify-json baseline: ${err.message}`);
  process.exit(1);
});
