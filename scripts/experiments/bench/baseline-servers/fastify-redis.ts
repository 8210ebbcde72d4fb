/**
 * Baseline: bare Fastify 5 + one ioredis GET per request of a 1 KB value (the fixture document's
 * JSON, stored at start), sent as it comes back. What an L2 hit would cost with no framework,
 * auth or cache logic.
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { required } from './document-select';

const KEY = 'docscale:bench:baseline-document';

async function main(): Promise<void> {
  const redis = new Redis(required('BENCH_REDIS_URL'));
  await redis.set(KEY, required('BENCH_DOCUMENT'));
  const app = Fastify({ logger: false });
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.get('/v1/documents/:id', async (_req, reply) => {
    const value = await redis.get(KEY);
    return reply.type('application/json; charset=utf-8').send(value);
  });
  await app.listen({ host: '127.0.0.1', port: Number(required('PORT')) });
}

main().catch((err: Error) => {
  console.error(`fastify-redis baseline: ${err.message}`);
  process.exit(1);
});
