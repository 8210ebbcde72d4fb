// pattern:queue:begin
import type { RunningJob } from '@docscale/queue';
import type { AppConfig } from '../../config';
import { InjectedJobFault } from './document-jobs';
// pattern:queue:end
import { DocumentJobData } from './document-jobs';
import { CurrentDocument } from './current-document';
import type { DocumentJobsRepository, JobSource } from './document-jobs.repository';
import { IndexDocumentJob } from './index-document.job';

const TENANT = 'tenant-1';
const DOC = '8f14e45f-ceea-467f-a0e6-2f1b5a9c0d11';

/** The repository's two index statements, over one document held in memory. */
class FakeJobsRepository {
  source?: JobSource;
  /** What saveIndex answers: false plays an update that landed between the read and the write. */
  saveAnswer = true;
  readonly saved: {
    tenantId: string;
    id: string;
    version: number;
    analysis: { wordCount: number; keywords: string[] };
  }[] = [];

  findSource(tenantId: string, id: string): Promise<JobSource | undefined> {
    return Promise.resolve(tenantId === TENANT && id === DOC ? this.source : undefined);
  }

  saveIndex(
    tenantId: string,
    id: string,
    version: number,
    analysis: { wordCount: number; keywords: string[] },
  ): Promise<boolean> {
    this.saved.push({ tenantId, id, version, analysis });
    return Promise.resolve(this.saveAnswer);
  }
}

function source(overrides: Partial<JobSource> = {}): JobSource {
  return {
    title: 'Load leveling',
    body: 'queue workers drain the queue',
    tags: [],
    version: 3,
    indexedVersion: 2,
    ...overrides,
  };
}

// pattern:queue:begin
function jobFor(version: number): RunningJob<DocumentJobData> {
  return {
    id: `index-${DOC}-v${version}`,
    data: { tenantId: TENANT, documentId: DOC, version },
    attempt: 1,
    signal: new AbortController().signal,
    progress: () => Promise.resolve(),
  };
}

function indexJob(repository: FakeJobsRepository, failTag = ''): IndexDocumentJob {
  const config = { env: { FAULT_JOB_FAIL_TAG: failTag } } as unknown as AppConfig;
  const repo = repository as unknown as DocumentJobsRepository;
  return new IndexDocumentJob(repo, new CurrentDocument(repo, config));
}
// pattern:queue:else
// function jobFor(version: number): { data: DocumentJobData } {
//   return { data: { tenantId: TENANT, documentId: DOC, version } };
// }
//
// function indexJob(repository: FakeJobsRepository): IndexDocumentJob {
//   const repo = repository as unknown as DocumentJobsRepository;
//   return new IndexDocumentJob(repo, new CurrentDocument(repo));
// }
// pattern:queue:end

describe('IndexDocumentJob', () => {
  let repository: FakeJobsRepository;
  beforeEach(() => {
    repository = new FakeJobsRepository();
  });

  it('is the processor of jobs named "index"', () => {
    expect(indexJob(repository).name).toBe('index');
  });

  it('applies the analysis of the current version', async () => {
    repository.source = source({ version: 3, indexedVersion: 2 });

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'applied' });
    expect(repository.saved).toEqual([
      {
        tenantId: TENANT,
        id: DOC,
        version: 3,
        analysis: { wordCount: 5, keywords: ['queue', 'load', 'leveling', 'workers', 'drain'] },
      },
    ]);
  });

  it('applies to a document never indexed before', async () => {
    repository.source = source({ version: 1, indexedVersion: null });

    expect(await indexJob(repository).process(jobFor(1))).toEqual({ outcome: 'applied' });
    expect(repository.saved).toHaveLength(1);
  });

  it('skips a deleted document without saving anything', async () => {
    repository.source = undefined;

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'skipped', reason: 'document deleted' });
    expect(repository.saved).toEqual([]);
  });

  it('skips a job for a version the document has moved on from, and never saves it', async () => {
    repository.source = source({ version: 4, indexedVersion: 2 });

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'skipped', reason: 'document moved on to version 4' });
    expect(repository.saved).toEqual([]);
  });

  it('skips a job for a version the document has not reached (the read saw an older one)', async () => {
    repository.source = source({ version: 2, indexedVersion: 1 });

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'skipped', reason: 'document moved on to version 2' });
    expect(repository.saved).toEqual([]);
  });

  it('skips a version that is already indexed (the job ran twice)', async () => {
    repository.source = source({ version: 3, indexedVersion: 3 });

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'skipped', reason: 'already indexed' });
    expect(repository.saved).toEqual([]);
  });

  it('reports skipped when the conditional save changed nothing (it lost a race)', async () => {
    repository.source = source({ version: 3, indexedVersion: 2 });
    repository.saveAnswer = false;

    const result = await indexJob(repository).process(jobFor(3));

    expect(result).toEqual({ outcome: 'skipped', reason: 'document moved on' });
    expect(repository.saved).toHaveLength(1);
  });

  // pattern:queue:begin
  it('throws the injected fault for a document carrying FAULT_JOB_FAIL_TAG, saving nothing', async () => {
    repository.source = source({ tags: ['ok', 'poison'] });

    await expect(indexJob(repository, 'poison').process(jobFor(3))).rejects.toThrow(
      InjectedJobFault,
    );
    expect(repository.saved).toEqual([]);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('applies a document without the fault tag while a tag is set', async () => {
    repository.source = source({ tags: ['ok'] });

    expect(await indexJob(repository, 'poison').process(jobFor(3))).toEqual({
      outcome: 'applied',
    });
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('injects no fault while FAULT_JOB_FAIL_TAG is empty, even for a document with an empty tag', async () => {
    repository.source = source({ tags: [''] });

    expect(await indexJob(repository).process(jobFor(3))).toEqual({ outcome: 'applied' });
  });
  // pattern:queue:end
});
