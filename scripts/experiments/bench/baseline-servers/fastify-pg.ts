/**
 * Baseline: bare Fastify 5 + pg (a Pool of 10, docscale's DATABASE_POOL_SIZE default) running
 * docscale's primary-key select per request, against the database docscale's reads go to
 * (BENCH_DATABASE_URL). What a cache-off read would cost with no framework, auth or routing.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';
import { DOCUMENT_BY_ID, required } from './document-select';

async function main(): Promise<void> {
  const tenantId = required('BENCH_TENANT_ID');
  const pool = new Pool({ connectionString: required('BENCH_DATABASE_URL'), max: 10 });
  const app = Fastify({ logger: false });
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.get<{ Params: { id: string } }>('/v1/documents/:id', async (req, reply) => {
    const { rows } = await pool.query(DOCUMENT_BY_ID, [tenantId, req.params.id]);
    if (rows.length === 0) return reply.status(404).send({ title: 'Not Found' });
    return rows[0] as unknown;
  });
  await app.listen({ host: '127.0.0.1', port: Number(required('PORT')) });
}

main().catch((err: Error) => {
  console.error(`fastify-pg baseline: ${err.message}`);
  process.exit(1);
});
