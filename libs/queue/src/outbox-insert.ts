/**
 * The outbox's INSERT, for the statement of a change to carry as one of its CTEs: the change and
 * the request for its job are one statement, so one transaction, and one round trip (either both
 * are committed or neither; outbox-relay.ts moves the row to BullMQ). The owner of the table owns
 * its SQL: callers name the job, the rows it is requested for and the request parameter, never
 * the outbox's columns.
 */
import type { DataColumns, IdFields, OutboxJob } from './outbox-job';

/**
 * An `INSERT INTO outbox` of one `job` per row of `from` (a relation of the statement, e.g. the
 * CTE that wrote the document), its data built from `columns`. `requestParam` is the statement's
 * parameter holding the OutboxRelay.request() (as one jsonb value: queue and trace context); when
 * it is null (the queue off: the job runs inline) nothing is inserted.
 */
export function outboxInsert<T extends string>(
  job: OutboxJob<T>,
  from: string,
  columns: DataColumns<IdFields<T>>,
  requestParam: string,
): string {
  const request = `${requestParam}::jsonb`;
  return `INSERT INTO outbox (queue, job_name, job_id, data, trace)
      SELECT ${request} ->> 'queue', ${job.columns(columns)}, ${request} -> 'trace'
        FROM ${from} WHERE ${request} IS NOT NULL`;
}

/**
 * An `INSERT INTO outbox … RETURNING job_id` of the jobs of `rows` (a relation of the statement
 * with the columns of OutboxJob.columns() and `orderBy`) that have no row waiting in the outbox
 * and none sent within the last `withinMsParam` ms: for a sweep that re-requests work a lost job
 * left undone, on any number of instances at once, without piling up rows for one job.
 */
export function outboxInsertUnlessRequested(
  rows: string,
  params: { queueParam: string; withinMsParam: string },
  order: { orderBy: string; limit: number },
): string {
  const { queueParam: queue, withinMsParam: withinMs } = params;
  return `INSERT INTO outbox (queue, job_name, job_id, data)
       SELECT ${queue}, job_name, job_id, data FROM ${rows} l
        WHERE NOT EXISTS (
                SELECT 1 FROM outbox o
                 WHERE o.queue = ${queue} AND o.job_id = l.job_id
                   AND (o.sent_at IS NULL
                        OR o.sent_at > clock_timestamp() - ${withinMs} * interval '1 millisecond'))
        ORDER BY ${order.orderBy}
        LIMIT ${order.limit}
       RETURNING job_id`;
}
