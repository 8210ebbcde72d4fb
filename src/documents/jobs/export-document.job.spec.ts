import type { RunningJob } from '@docscale/queue';
import type { AppConfig } from '../../config';
import { DocumentJobData, InjectedJobFault } from './document-jobs';
import { CurrentDocument } from './current-document';
import type { DocumentJobsRepository, JobSource } from './document-jobs.repository';
import { ExportDocumentJob, renderPage } from './export-document.job';

const TENANT = 'tenant-1';
const DOC = '8f14e45f-ceea-467f-a0e6-2f1b5a9c0d11';

interface SavedExport {
  jobId: string;
  source: { tenantId: string; documentId: string; version: number };
  artifact: { contentType: string; content: string };
  keep: number;
}

/** The repository's export statements over one document in memory; `events` orders saves and progress. */
class FakeJobsRepository {
  source?: JobSource;
  readonly saved: SavedExport[] = [];

  constructor(private readonly events: string[]) {}

  findSource(tenantId: string, id: string): Promise<JobSource | undefined> {
    return Promise.resolve(tenantId === TENANT && id === DOC ? this.source : undefined);
  }

  saveExport(
    jobId: string,
    source: SavedExport['source'],
    artifact: SavedExport['artifact'],
    keep: number,
  ): Promise<void> {
    this.events.push('saveExport');
    this.saved.push({ jobId, source, artifact, keep });
    return Promise.resolve();
  }
}

function source(overrides: Partial<JobSource> = {}): JobSource {
  return {
    title: 'Runbook',
    body: '# Steps\n\n- drain\n- restart\n',
    tags: [],
    version: 2,
    indexedVersion: 2,
    ...overrides,
  };
}

describe('renderPage', () => {
  it('escapes the title in the page title and the heading', () => {
    const page = renderPage(`<script>alert("x")</script> & 'co'`, 'text');

    const escaped = '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;co&#39;';
    expect(page).toContain(`<title>${escaped}</title>`);
    expect(page).toContain(`<h1>${escaped}</h1>`);
    expect(page).not.toContain('<script>');
  });

  it('renders Markdown headings', () => {
    const page = renderPage('T', '# Top\n\n## Section\n\nA paragraph.');

    expect(page).toContain('<h1>Top</h1>');
    expect(page).toContain('<h2>Section</h2>');
    expect(page).toContain('<p>A paragraph.</p>');
  });

  it('renders Markdown lists, bulleted and numbered', () => {
    const page = renderPage('T', '- one\n- two\n\n1. first\n2. second\n');

    expect(page).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(page).toContain('<ol>\n<li>first</li>\n<li>second</li>\n</ol>');
  });

  it('produces one standalone UTF-8 HTML document', () => {
    const page = renderPage('T', 'body');

    expect(page.startsWith('<!doctype html>\n<html>')).toBe(true);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page.trimEnd().endsWith('</body></html>')).toBe(true);
  });
});

describe('ExportDocumentJob', () => {
  let events: string[];
  let repository: FakeJobsRepository;
  beforeEach(() => {
    events = [];
    repository = new FakeJobsRepository(events);
  });

  function exportJob(failTag = ''): ExportDocumentJob {
    const config = {
      env: { FAULT_JOB_FAIL_TAG: failTag, EXPORT_RETENTION_PER_DOCUMENT: 3 },
    } as unknown as AppConfig;
    const repo = repository as unknown as DocumentJobsRepository;
    return new ExportDocumentJob(repo, new CurrentDocument(repo, config), config);
  }

  function jobFor(version: number, signal = new AbortController().signal) {
    const job: RunningJob<DocumentJobData> = {
      id: `export-${DOC}-v${version}-html`,
      data: { tenantId: TENANT, documentId: DOC, version },
      attempt: 1,
      signal,
      progress: (percent) => {
        events.push(`progress ${percent}`);
        return Promise.resolve();
      },
    };
    return job;
  }

  it('is the processor of jobs named "export"', () => {
    expect(exportJob().name).toBe('export');
  });

  it('reports progress 25, 75 and 100 in order, saving between 75 and 100', async () => {
    repository.source = source();

    await exportJob().process(jobFor(2));

    expect(events).toEqual(['progress 25', 'progress 75', 'saveExport', 'progress 100']);
  });

  it('saves with the retention of EXPORT_RETENTION_PER_DOCUMENT artifacts per document', async () => {
    repository.source = source();

    await exportJob().process(jobFor(2));

    expect(repository.saved.map((s) => s.keep)).toEqual([3]);
  });

  it('stores the rendered page as HTML under the job id, for the job’s version', async () => {
    repository.source = source();

    await exportJob().process(jobFor(2));

    expect(repository.saved).toEqual([
      {
        jobId: `export-${DOC}-v2-html`,
        source: { tenantId: TENANT, documentId: DOC, version: 2 },
        artifact: {
          contentType: 'text/html; charset=utf-8',
          content: renderPage('Runbook', '# Steps\n\n- drain\n- restart\n'),
        },
        keep: 3,
      },
    ]);
  });

  it('returns applied with the link to download the artifact', async () => {
    repository.source = source();

    expect(await exportJob().process(jobFor(2))).toEqual({
      outcome: 'applied',
      artifact: `/v1/jobs/export-${DOC}-v2-html/artifact`,
    });
  });

  it('skips a version the document has moved on from, saving nothing and reporting no progress', async () => {
    repository.source = source({ version: 3 });

    const result = await exportJob().process(jobFor(2));

    expect(result).toEqual({ outcome: 'skipped', reason: 'document moved on to version 3' });
    expect(repository.saved).toEqual([]);
    expect(events).toEqual([]);
  });

  it('skips a deleted document, saving nothing', async () => {
    repository.source = undefined;

    expect(await exportJob().process(jobFor(2))).toEqual({
      outcome: 'skipped',
      reason: 'document deleted',
    });
    expect(repository.saved).toEqual([]);
  });

  it('stops before saving when its signal is aborted (handed back on shutdown)', async () => {
    repository.source = source();
    const controller = new AbortController();
    controller.abort(new Error('handed back'));

    await expect(exportJob().process(jobFor(2, controller.signal))).rejects.toThrow('handed back');
    expect(repository.saved).toEqual([]);
    expect(events).toEqual(['progress 25']);
  });

  it('throws the injected fault for a document carrying FAULT_JOB_FAIL_TAG, saving nothing', async () => {
    repository.source = source({ tags: ['poison'] });

    await expect(exportJob('poison').process(jobFor(2))).rejects.toThrow(InjectedJobFault);
    expect(repository.saved).toEqual([]);
  });
});
