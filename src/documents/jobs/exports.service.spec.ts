import { OverloadedError } from '@docscale/resilience';
import type { JobQueue } from '@docscale/queue';
import type { Toggles } from '@docscale/toggles';
import type { AppConfig } from '../../config';
import type { JobsService } from './jobs.service';
import type { DocumentsRepository } from '../documents.repository';
import type { ExportDocumentJob } from './export-document.job';
import { ExportsService } from './exports.service';

/** An ExportsService whose enqueue waits until the test lets it go, counting those in progress. */
function service(concurrency: number, queue: number) {
  const gates: (() => void)[] = [];
  const progress = { now: 0, most: 0 };
  const jobQueue = {
    admit: async () => undefined,
    enqueue: async () => {
      progress.most = Math.max(progress.most, ++progress.now);
      await new Promise<void>((resolve) => gates.push(resolve));
      progress.now--;
    },
  } as unknown as JobQueue;
  const exports = new ExportsService(
    { currentVersion: async () => 1 } as unknown as DocumentsRepository,
    jobQueue,
    { findQueued: async (_: string, id: string) => ({ id }) } as unknown as JobsService,
    {} as ExportDocumentJob,
    { isOn: () => true } as unknown as Toggles,
    { env: { EXPORT_INTAKE_CONCURRENCY: concurrency, EXPORT_INTAKE_QUEUE: queue } } as AppConfig,
  );
  const releaseAll = async () => {
    while (gates.length > 0 || progress.now > 0) {
      gates.splice(0).forEach((open) => open());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { exports, progress, releaseAll };
}

describe('ExportsService intake', () => {
  it('works on at most EXPORT_INTAKE_CONCURRENCY at once, queues the next, refuses the rest as overload', async () => {
    const { exports, progress, releaseAll } = service(2, 3);

    const answers = Array.from({ length: 7 }, (_, i) =>
      exports.request('tenant', `doc-${i}`).then(
        (r) => r.queued,
        (e: unknown) => e,
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(progress.now).toBe(2);
    await releaseAll();
    const settled = await Promise.all(answers);

    expect(progress.most).toBe(2);
    expect(settled.filter((a) => a === true)).toHaveLength(5);
    const refused = settled.filter((a) => a instanceof OverloadedError) as OverloadedError[];
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ reason: 'export-intake', retryAfterSeconds: 1 });
  });

  it('passes other failures through unchanged', async () => {
    const { exports } = service(1, 0);
    jest
      .spyOn(exports as unknown as { take: () => Promise<never> }, 'take')
      .mockRejectedValue(new Error('redis down'));

    await expect(exports.request('tenant', 'doc')).rejects.toThrow('redis down');
  });
});
