/**
 * Jobs by owner (a tenant), newest first: what `GET /v1/jobs` pages through.
 *
 * Problem: BullMQ keeps one list per state for the whole queue. Listing a tenant's jobs from it
 * means scanning every tenant's jobs and filtering, so a busy tenant pushes a quiet one's jobs
 * past any scan window, and every listing costs in proportion to the whole queue.
 * Mechanism: a Redis sorted set per owner, next to the jobs it indexes (same Redis, same prefix,
 * same lifetime): member = job id, score = when it was first enqueued (ms). Written right after
 * BullMQ accepted the jobs (`ZADD NX`: a job enqueued again, e.g. an outbox row resent, keeps
 * its place). A listing reads only its owner's set, by keyset (score, id), so a page costs the
 * same whatever other tenants do.
 * Not a Postgres table (nor the outbox): exports never pass through the outbox, sent outbox rows
 * are pruned after OUTBOX_RETENTION_MS, and a job's state lives in Redis anyway, so a listing
 * would read both stores; an index in Redis shares the jobs' fate (an obliterated or flushed queue
 * takes its index with it) instead of drifting from them.
 * Trimming: BullMQ removes finished jobs by age (QUEUE_KEEP_*_MS). Each write drops entries older
 * than the longer of the two ages, and the key expires after it, so an idle owner's set goes
 * away; an entry whose job BullMQ already removed is dropped when a listing meets it.
 * Failure mode: a process that dies between BullMQ's add and the ZADD leaves a job unlisted (it is
 * still found by id); an outbox row resent, or the export asked again, indexes it.
 */
import type { Redis } from 'ioredis';

/** A place in an owner's index: the entries after it come next, newest first. */
export interface IndexPosition {
  /** When the job was first enqueued, ms since the epoch (the sort key). */
  at: number;
  /** The job id (ties on `at` are broken by id, descending). */
  id: string;
}

export class JobIndex {
  constructor(
    private readonly redis: () => Redis,
    /** `<prefix>:<queue name>`: the index keys live beside BullMQ's. */
    private readonly keyPrefix: string,
    /** How long an entry can still name a job BullMQ keeps (the longer keep age). */
    private readonly horizonMs: number,
  ) {}

  key(owner: string): string {
    return `${this.keyPrefix}:owner:${owner}`;
  }

  /** Indexes jobs BullMQ has just accepted, and trims each owner's expired entries. */
  async add(jobs: { owner: string; id: string }[], now = Date.now()): Promise<void> {
    if (jobs.length === 0) return;
    const pipeline = this.redis().pipeline();
    const owners = new Set<string>();
    for (const { owner, id } of jobs) {
      pipeline.zadd(this.key(owner), 'NX', now, id);
      owners.add(owner);
    }
    for (const owner of owners) {
      pipeline.zremrangebyscore(this.key(owner), '-inf', `(${now - this.horizonMs}`);
      pipeline.pexpire(this.key(owner), this.horizonMs);
    }
    await failOnError(pipeline.exec());
  }

  /** Up to `count` entries after `position` (from the newest without one). */
  async after(owner: string, position: IndexPosition | undefined, count: number) {
    const key = this.key(owner);
    const pipeline = this.redis().pipeline();
    // The rest of the position's own millisecond (ids below its id), then the older ones.
    if (position) pipeline.zrangebyscore(key, position.at, position.at);
    const below = position ? `(${position.at}` : '+inf';
    pipeline.zrevrangebyscore(key, below, '-inf', 'WITHSCORES', 'LIMIT', 0, count);
    const results = (await failOnError(pipeline.exec())) as string[][];
    const tied = position
      ? results[0]
          .filter((id) => id < position.id)
          .sort()
          .reverse()
          .map((id) => ({ at: position.at, id }))
      : [];
    const older = results[results.length - 1];
    const entries: IndexPosition[] = [...tied];
    for (let i = 0; i < older.length && entries.length < count; i += 2)
      entries.push({ id: older[i], at: Number(older[i + 1]) });
    return entries.slice(0, count);
  }

  /** Drops entries whose jobs BullMQ has removed. */
  async drop(owner: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis().zrem(this.key(owner), ...ids);
  }
}

/** A pipeline's results, or its first error thrown. */
async function failOnError(pending: Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
  const results = (await pending) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}
