// pattern:queue:begin
import type { RunningJob } from '@docscale/queue';
import type { AppConfig } from '../../config';
import { InjectedJobFault } from './document-jobs';
// pattern:queue:end
import { CurrentDocument } from './current-document';
import { DocumentJobData } from './document-jobs';
import type { DocumentJobsRepository, JobSource } from './document-jobs.repository';

const DATA: DocumentJobData = { tenantId: 't1', documentId: 'd1', version: 2 };

// pattern:queue:begin
function current(source: JobSource | undefined, env: { delay?: number; tag?: string } = {}) {
  const repository = { findSource: jest.fn(async () => source) };
  const config = {
    env: { FAULT_JOB_DELAY_MS: env.delay ?? 0, FAULT_JOB_FAIL_TAG: env.tag ?? '' },
  } as unknown as AppConfig;
  return {
    repository,
    current: new CurrentDocument(repository as unknown as DocumentJobsRepository, config),
  };
}

function job(signal = new AbortController().signal): RunningJob<DocumentJobData> {
  return { id: 'index-d1-v2', data: DATA, attempt: 1, signal, progress: async () => undefined };
}
// pattern:queue:else
// function current(source: JobSource | undefined) {
//   const repository = { findSource: jest.fn(async () => source) };
//   return {
//     repository,
//     current: new CurrentDocument(repository as unknown as DocumentJobsRepository),
//   };
// }
//
// function job(): { data: DocumentJobData } {
//   return { data: DATA };
// }
// pattern:queue:end

const doc = (version: number, tags: string[] = []): JobSource => ({
  title: 't',
  body: 'b',
  tags,
  version,
  indexedVersion: null,
});

describe('CurrentDocument', () => {
  it('returns the document when it is at the job version', async () => {
    const { current: c } = current(doc(2));
    await expect(c.load(job())).resolves.toEqual({ source: doc(2) });
  });

  it('skips the job of a deleted document', async () => {
    const { current: c } = current(undefined);
    await expect(c.load(job())).resolves.toEqual({
      skipped: { outcome: 'skipped', reason: 'document deleted' },
    });
  });

  it('skips the job of a document that moved on, naming its version', async () => {
    const { current: c } = current(doc(3));
    await expect(c.load(job())).resolves.toEqual({
      skipped: { outcome: 'skipped', reason: 'document moved on to version 3' },
    });
  });

  // pattern:queue:begin
  it('fails the job of a document carrying FAULT_JOB_FAIL_TAG', async () => {
    const { current: c } = current(doc(2, ['poison']), { tag: 'poison' });
    await expect(c.load(job())).rejects.toBeInstanceOf(InjectedJobFault);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('waits FAULT_JOB_DELAY_MS before loading, and stops waiting when the job is aborted', async () => {
    jest.useFakeTimers();
    try {
      const { current: c, repository } = current(doc(2), { delay: 60_000 });
      const abort = new AbortController();
      const loading = c.load(job(abort.signal));
      await jest.advanceTimersByTimeAsync(59_000);
      expect(repository.findSource).not.toHaveBeenCalled();
      abort.abort(new Error('handed back'));
      await expect(loading).rejects.toThrow('aborted');
      expect(repository.findSource).not.toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });
  // pattern:queue:end
});
