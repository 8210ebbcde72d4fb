import { InvalidCursorError } from '../../problems/problem.errors';
import {
  QueueFullError,
  JobNotRetryableError,
  type IndexPosition,
  type JobPage,
  QueueUnavailableError,
  type JobQueue,
  type JobRequest,
  type JobView,
  type ListableState,
  type OutboxRelay,
} from '@docscale/queue';
import type { DocumentJobsRepository } from './document-jobs.repository';
import { ArtifactNotFoundError, JobNotFoundError } from './job.errors';
import { JobsService } from './jobs.service';

const MINE = 'tenant-mine';
const THEIRS = 'tenant-theirs';
const DOC = '8f14e45f-ceea-467f-a0e6-2f1b5a9c0d11';
const INDEX_ID = `index-${DOC}-v3`;
const EXPORT_ID = `export-${DOC}-v3-html`;

function queued(overrides: Partial<JobView> = {}): JobView {
  return {
    id: INDEX_ID,
    name: 'index',
    data: { tenantId: MINE, documentId: DOC, version: 3 },
    state: 'waiting',
    progress: 0,
    attemptsMade: 0,
    createdAt: '2026-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** BullMQ as JobQueue shows it: jobs by id, and a switch that makes Redis unreachable. */
class FakeQueue {
  readonly jobs = new Map<string, JobView>();
  unreachable = false;
  /** The backlog is at QUEUE_MAX_DEPTH: admission refuses. */
  full = false;
  admissions = 0;
  readonly retried: string[] = [];

  admit(): Promise<void> {
    this.admissions++;
    return this.full ? Promise.reject(new QueueFullError(5, 3)) : Promise.resolve();
  }

  /** Runs after each find: what changed meanwhile (a relay committing). */
  afterLookup = () => {};

  find(id: string): Promise<JobView | undefined> {
    if (this.unreachable) return Promise.reject(new QueueUnavailableError(new Error('ETIMEDOUT')));
    const job = this.jobs.get(id);
    this.afterLookup();
    return Promise.resolve(job);
  }

  /** The owner's index, as listOwned reads it: ids in insertion order, a page after `after`. */
  readonly pages: { owner: string; after?: IndexPosition }[] = [];

  listOwned(
    owner: string,
    page: { limit: number; state?: ListableState; after?: IndexPosition },
  ): Promise<JobPage> {
    this.pages.push({ owner, after: page.after });
    const jobs = [...this.jobs.values()].filter(
      (j) => j.data.tenantId === owner && (!page.state || j.state === page.state),
    );
    const start = page.after ? jobs.findIndex((j) => j.id === page.after!.id) + 1 : 0;
    const slice = jobs.slice(start, start + page.limit);
    const last = slice.at(-1);
    const more = start + page.limit < jobs.length;
    return Promise.resolve({
      jobs: slice,
      next: more && last ? { at: Date.parse(last.createdAt), id: last.id } : undefined,
    });
  }

  retry(id: string): Promise<JobView | undefined> {
    this.retried.push(id);
    const job = this.jobs.get(id);
    if (!job) return Promise.resolve(undefined);
    if (job.state !== 'failed') return Promise.reject(new JobNotRetryableError(id, job.state));
    return Promise.resolve({ ...job, state: 'waiting', failedReason: undefined });
  }
}

/** The outbox's unsent rows by job id. */
class FakeRelay {
  readonly rows = new Map<string, JobRequest>();
  /** Runs after each lookup: what changed meanwhile (a relay committing). */
  afterLookup = () => {};

  pending(jobId: string): Promise<JobRequest | undefined> {
    const row = this.rows.get(jobId);
    this.afterLookup();
    return Promise.resolve(row);
  }
}

/** Stored export artifacts, by tenant and job id. */
class FakeArtifacts {
  readonly exports = new Map<string, { contentType: string; content: string; createdAt: Date }>();

  findExport(tenantId: string, jobId: string) {
    return Promise.resolve(this.exports.get(`${tenantId}/${jobId}`));
  }

  /** The status side of a stored export: its document and version are in its job id here. */
  async findExportInfo(tenantId: string, jobId: string) {
    const stored = await this.findExport(tenantId, jobId);
    const [, documentId, version] = /^export-(.+)-v(\d+)-html$/.exec(jobId) ?? [];
    return stored && { documentId, version: Number(version), createdAt: stored.createdAt };
  }
}

describe('JobsService', () => {
  let queue: FakeQueue;
  let relay: FakeRelay;
  let artifacts: FakeArtifacts;
  let service: JobsService;

  beforeEach(() => {
    queue = new FakeQueue();
    relay = new FakeRelay();
    artifacts = new FakeArtifacts();
    service = new JobsService(
      queue as unknown as JobQueue,
      relay as unknown as OutboxRelay,
      artifacts as unknown as DocumentJobsRepository,
    );
  });

  const inOutbox = (tenantId: string) =>
    relay.rows.set(INDEX_ID, {
      name: 'index',
      id: INDEX_ID,
      data: { tenantId, documentId: DOC, version: 3 },
      trace: {},
    });
  const exported = (tenantId: string) =>
    artifacts.exports.set(`${tenantId}/${EXPORT_ID}`, {
      contentType: 'text/html; charset=utf-8',
      content: '<!doctype html>',
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
    });

  describe('find', () => {
    it('shows a queued job of the tenant with its document, version and link', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'active', progress: 40 }));

      expect(await service.find(MINE, INDEX_ID)).toEqual({
        id: INDEX_ID,
        name: 'index',
        state: 'active',
        progress: 40,
        attemptsMade: 0,
        documentId: DOC,
        version: 3,
        createdAt: '2026-01-02T03:04:05.000Z',
        links: { self: `/v1/jobs/${INDEX_ID}` },
      });
    });

    it('does not find a queued job of another tenant', async () => {
      queue.jobs.set(INDEX_ID, queued({ data: { tenantId: THEIRS, documentId: DOC, version: 3 } }));

      await expect(service.find(MINE, INDEX_ID)).rejects.toThrow(JobNotFoundError);
    });

    it('does not find a job nobody knows', async () => {
      await expect(service.find(MINE, INDEX_ID)).rejects.toThrow(JobNotFoundError);
    });

    it('shows a job still in the outbox as pending', async () => {
      inOutbox(MINE);

      expect(await service.find(MINE, INDEX_ID)).toMatchObject({
        id: INDEX_ID,
        name: 'index',
        state: 'pending',
        progress: 0,
        attemptsMade: 0,
        documentId: DOC,
        version: 3,
        links: { self: `/v1/jobs/${INDEX_ID}` },
      });
    });

    it('finds a job the relay moves from the outbox to the queue between its two lookups', async () => {
      inOutbox(MINE);
      // The relay commits right after the first lookup, whichever store it asked: the job is
      // enqueued, then its row marked sent.
      let relayed = false;
      const relayNow = () => {
        if (relayed) return;
        relayed = true;
        queue.jobs.set(INDEX_ID, queued());
        relay.rows.delete(INDEX_ID);
      };
      queue.afterLookup = relayNow;
      relay.afterLookup = relayNow;

      expect(await service.find(MINE, INDEX_ID)).toMatchObject({ id: INDEX_ID, documentId: DOC });
    });

    it('does not find another tenant’s job in the outbox', async () => {
      inOutbox(THEIRS);

      await expect(service.find(MINE, INDEX_ID)).rejects.toThrow(JobNotFoundError);
    });

    it('shows an export known only by its artifact as completed, with the artifact link', async () => {
      exported(MINE);

      expect(await service.find(MINE, EXPORT_ID)).toEqual({
        id: EXPORT_ID,
        name: 'export',
        state: 'completed',
        progress: 100,
        attemptsMade: 1,
        documentId: DOC,
        version: 3,
        finishedAt: '2026-01-02T03:04:05.000Z',
        result: { outcome: 'applied', artifact: `/v1/jobs/${EXPORT_ID}/artifact` },
        links: { self: `/v1/jobs/${EXPORT_ID}`, artifact: `/v1/jobs/${EXPORT_ID}/artifact` },
      });
    });

    it('does not find an export whose artifact is another tenant’s', async () => {
      exported(THEIRS);

      await expect(service.find(MINE, EXPORT_ID)).rejects.toThrow(JobNotFoundError);
    });

    it('falls back to the outbox while the queue is unreachable', async () => {
      queue.unreachable = true;
      inOutbox(MINE);

      expect(await service.find(MINE, INDEX_ID)).toMatchObject({ state: 'pending' });
    });

    it('falls back to the artifact while the queue is unreachable', async () => {
      queue.unreachable = true;
      exported(MINE);

      expect(await service.find(MINE, EXPORT_ID)).toMatchObject({
        state: 'completed',
        links: { artifact: `/v1/jobs/${EXPORT_ID}/artifact` },
      });
    });

    it('reports the queue unavailable, not the job missing, when no fallback knows the job', async () => {
      queue.unreachable = true;

      await expect(service.find(MINE, INDEX_ID)).rejects.toThrow(QueueUnavailableError);
    });

    it('reports the queue unavailable for another tenant’s outbox row while the queue is away', async () => {
      queue.unreachable = true;
      inOutbox(THEIRS);

      await expect(service.find(MINE, INDEX_ID)).rejects.toThrow(QueueUnavailableError);
    });

    it('rethrows any other failure of the queue instead of falling back', async () => {
      queue.find = () => Promise.reject(new TypeError('a bug'));
      // The stored artifact is the fallback after the queue (the outbox is asked before it).
      exported(MINE);

      await expect(service.find(MINE, EXPORT_ID)).rejects.toThrow(TypeError);
    });

    it('links a failed job to its retry', async () => {
      queue.jobs.set(
        INDEX_ID,
        queued({ state: 'failed', attemptsMade: 5, failedReason: 'fault injected' }),
      );

      expect(await service.find(MINE, INDEX_ID)).toMatchObject({
        state: 'failed',
        failedReason: 'fault injected',
        links: { self: `/v1/jobs/${INDEX_ID}`, retry: `/v1/jobs/${INDEX_ID}/retry` },
      });
    });

    it.each(['waiting', 'active', 'delayed', 'completed'])(
      'offers no retry for a job that is %s',
      async (state) => {
        queue.jobs.set(INDEX_ID, queued({ state }));

        expect((await service.find(MINE, INDEX_ID)).links).toEqual({
          self: `/v1/jobs/${INDEX_ID}`,
        });
      },
    );

    it('links the artifact of a queued export that completed and applied', async () => {
      queue.jobs.set(
        EXPORT_ID,
        queued({
          id: EXPORT_ID,
          name: 'export',
          state: 'completed',
          result: { outcome: 'applied', artifact: `/v1/jobs/${EXPORT_ID}/artifact` },
        }),
      );

      expect((await service.find(MINE, EXPORT_ID)).links.artifact).toBe(
        `/v1/jobs/${EXPORT_ID}/artifact`,
      );
    });

    it('links no artifact for an export that was skipped', async () => {
      queue.jobs.set(
        EXPORT_ID,
        queued({
          id: EXPORT_ID,
          name: 'export',
          state: 'completed',
          result: { outcome: 'skipped', reason: 'document moved on to version 4' },
        }),
      );

      expect((await service.find(MINE, EXPORT_ID)).links).toEqual({
        self: `/v1/jobs/${EXPORT_ID}`,
      });
    });
  });

  describe('list', () => {
    it('lists only the tenant’s jobs in the state asked for', async () => {
      queue.jobs.set('a', queued({ id: 'a', state: 'failed' }));
      queue.jobs.set(
        'b',
        queued({
          id: 'b',
          state: 'failed',
          data: { tenantId: THEIRS, documentId: DOC, version: 1 },
        }),
      );
      queue.jobs.set('c', queued({ id: 'c', state: 'waiting' }));

      const page = await service.list(MINE, { state: 'failed', limit: 20 });

      expect(page.items.map((j) => j.id)).toEqual(['a']);
      expect(page.nextCursor).toBeNull();
    });

    it('reads only the tenant’s own index', async () => {
      await service.list(MINE, { limit: 20 });

      expect(queue.pages.map((p) => p.owner)).toEqual([MINE]);
    });

    it('pages with a cursor that gives the queue back the position of the last job', async () => {
      for (const id of [`index-${DOC}-v1`, `index-${DOC}-v2`, `index-${DOC}-v3`])
        queue.jobs.set(id, queued({ id, createdAt: '2026-01-02T03:04:05.678Z' }));

      const first = await service.list(MINE, { limit: 2 });
      const second = await service.list(MINE, { limit: 2, cursor: first.nextCursor! });

      expect(first.items.map((j) => j.id)).toEqual([`index-${DOC}-v1`, `index-${DOC}-v2`]);
      expect(queue.pages[1].after).toEqual({
        at: Date.parse('2026-01-02T03:04:05.678Z'),
        id: `index-${DOC}-v2`,
      });
      expect(second.items.map((j) => j.id)).toEqual([`index-${DOC}-v3`]);
      expect(second.nextCursor).toBeNull();
    });

    it.each([
      ['garbage', 'bm90LWEtY3Vyc29y'],
      [
        'a documents cursor (a UUID, not a job id)',
        Buffer.from(JSON.stringify(['2026-01-02T03:04:05.678000Z', DOC])).toString('base64url'),
      ],
    ])('refuses %s as a cursor, asking the queue nothing', async (_label, cursor) => {
      await expect(service.list(MINE, { limit: 20, cursor })).rejects.toThrow(InvalidCursorError);
      expect(queue.pages).toEqual([]);
    });
  });

  describe('retry', () => {
    it('replays the tenant’s failed job and shows it waiting', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'failed', attemptsMade: 5 }));

      const job = await service.retry(MINE, INDEX_ID);

      expect(queue.retried).toEqual([INDEX_ID]);
      expect(job).toMatchObject({ id: INDEX_ID, state: 'waiting' });
      expect(job.links.retry).toBeUndefined();
    });

    it('checks ownership first: another tenant’s failed job is not found and not replayed', async () => {
      queue.jobs.set(
        INDEX_ID,
        queued({ state: 'failed', data: { tenantId: THEIRS, documentId: DOC, version: 3 } }),
      );

      await expect(service.retry(MINE, INDEX_ID)).rejects.toThrow(JobNotFoundError);
      expect(queue.retried).toEqual([]);
    });

    it('refuses a job that is not failed', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'active' }));

      await expect(service.retry(MINE, INDEX_ID)).rejects.toThrow(JobNotRetryableError);
    });

    it('goes through queue admission: refused while the queue is full, nothing replayed', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'failed' }));
      queue.full = true;

      await expect(service.retry(MINE, INDEX_ID)).rejects.toThrow(QueueFullError);
      expect(queue.retried).toEqual([]);
    });

    it('answers a job that is not failed with 409 before asking admission', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'completed' }));
      queue.full = true;

      await expect(service.retry(MINE, INDEX_ID)).rejects.toThrow(JobNotRetryableError);
      expect(queue.admissions).toBe(0);
    });

    it('reports not found when the job left the queue between the check and the replay', async () => {
      queue.jobs.set(INDEX_ID, queued({ state: 'failed' }));
      queue.retry = () => Promise.resolve(undefined);

      await expect(service.retry(MINE, INDEX_ID)).rejects.toThrow(JobNotFoundError);
    });
  });

  describe('artifact', () => {
    it('returns the tenant’s stored export', async () => {
      exported(MINE);

      expect(await service.artifact(MINE, EXPORT_ID)).toMatchObject({
        contentType: 'text/html; charset=utf-8',
        content: '<!doctype html>',
      });
    });

    it('has no artifact for another tenant’s export', async () => {
      exported(THEIRS);

      await expect(service.artifact(MINE, EXPORT_ID)).rejects.toThrow(ArtifactNotFoundError);
    });
  });
});
