import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox's table (outbox-relay.ts reads it, outbox-insert.ts writes it). The
 * name and timestamp are those it ran under when it also created the documents' export
 * artifacts: a database that ran it does not run it again (that table now has a migration of the
 * app's own, migrations/1764000000001-document-exports.ts).
 */
export class JobOutbox1764000000000 implements MigrationInterface {
  name = 'JobOutbox1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per requested job, written in the same statement as the change that asks for it;
    // the relay sets sent_at once BullMQ has the job. `queue` names the BullMQ queue (prefix and
    // name): a relay moves only its own queue's rows, so deployments or test runs with queues of
    // their own can share a database. `trace` is the W3C trace context of the
    // request (traceparent/tracestate), so the job's spans join the request's trace.
    await q.query(`
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL,
        data jsonb NOT NULL,
        trace jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz
      )`);
    // The relay only ever looks for unsent rows, oldest first: this index stays as small as the
    // backlog, however long sent rows are kept.
    await q.query(`CREATE INDEX outbox_unsent ON outbox (queue, id) WHERE sent_at IS NULL`);
    await q.query(`CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL`);
    await q.query(`CREATE INDEX outbox_job_id ON outbox (job_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
  }
}
