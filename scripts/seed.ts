/**
 * `npm run seed -- --documents 100000 [--tenant demo]`: loads realistic documents fast.
 *
 * Rows go in as batches of `--batch` documents per INSERT ... SELECT FROM unnest(...) (one round
 * trip and one plan per batch, not per row), inside one transaction per batch. Text is generated
 * from a fixed vocabulary with a Zipf-like word distribution, so full-text search and keyword
 * extraction later have realistic material; `--seed` makes a run repeatable. It connects as the
 * owner (DATABASE_OWNER_URL), like `npm run migrate`: a bulk load is an operator's job, not the
 * app's, and row-level security does not slow it.
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { upsertTenant } from './create-tenant';
import { DocumentGenerator } from './document-generator';

export interface SeedResult {
  tenantId: string;
  inserted: number;
  seconds: number;
}

export async function seed(
  config: AppConfig,
  options: { tenant: string; documents: number; batch?: number; seed?: number },
): Promise<SeedResult> {
  const client = new Client({ connectionString: config.env.DATABASE_OWNER_URL });
  await client.connect();
  const started = process.hrtime.bigint();
  try {
    const tenantId = await upsertTenant(client, options.tenant);
    const generate = new DocumentGenerator(options.seed ?? 1);
    const batch = options.batch ?? 2000;
    let inserted = 0;
    while (inserted < options.documents) {
      const n = Math.min(batch, options.documents - inserted);
      const docs = Array.from({ length: n }, () => generate.next());
      await client.query(
        `INSERT INTO documents (tenant_id, title, body, tags)
         SELECT $1, t.title, t.body, string_to_array(t.tags, ',')
           FROM unnest($2::text[], $3::text[], $4::text[]) AS t(title, body, tags)`,
        [
          tenantId,
          docs.map((d) => d.title),
          docs.map((d) => d.body),
          docs.map((d) => d.tags.join(',')),
        ],
      );
      inserted += n;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { tenantId, inserted, seconds };
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      documents: { type: 'string', default: '10000' },
      tenant: { type: 'string', default: 'demo' },
      batch: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const documents = Number(values.documents);
  const batch = Number(values.batch);
  if (!Number.isInteger(documents) || documents < 0) {
    console.error('--documents must be a whole number');
    process.exit(2);
  }
  if (!Number.isInteger(batch) || batch < 1 || batch > 20_000) {
    console.error('--batch must be a whole number from 1 to 20000');
    process.exit(2);
  }
  seed(AppConfig.load(), {
    tenant: values.tenant!,
    documents,
    batch,
    seed: Number(values.seed),
  })
    .then((r) => {
      const rate = r.seconds > 0 ? Math.round(r.inserted / r.seconds) : r.inserted;
      console.log(
        `seeded ${r.inserted} documents for tenant ${values.tenant} (${r.tenantId}) ` +
          `in ${r.seconds.toFixed(1)} s: ${rate} rows/s`,
      );
    })
    .catch((err: Error) => {
      console.error(`seed failed: ${err.message}`);
      process.exit(1);
    });
}
