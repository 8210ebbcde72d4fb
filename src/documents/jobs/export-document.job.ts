/**
 * Export: renders one document version (its body is Markdown) to a standalone HTML page, stored
 * in Postgres and downloadable from `GET /v1/jobs/:id/artifact`. The heavy work the API hands to
 * workers: a 1 MiB document takes tens of milliseconds of CPU to render.
 *
 * The artifact is the user's own Markdown turned into HTML, served from the API's origin; the
 * download route sends it as an attachment under a sandboxing CSP (jobs.controller.ts), so a
 * script in a document cannot run as the API.
 *
 * Retention: each document keeps its EXPORT_RETENTION_PER_DOCUMENT newest artifacts (by version);
 * saving one deletes the older ones, so artifacts cost at most that many renders per document
 * rather than one per version ever exported. A completed job whose artifact went then answers
 * its download with 404 artifact-not-found: export the document again.
 */
import type { JobProcessor, RunningJob } from '@docscale/queue';
import { Inject, Injectable } from '@nestjs/common';
import { Marked } from 'marked';
import { AppConfig } from '../../config';
import { CurrentDocument } from './current-document';
import { DocumentJobData, DocumentJobResult, EXPORT_JOB } from './document-jobs';
import { DocumentJobsRepository } from './document-jobs.repository';

const marked = new Marked({ gfm: true, async: false });

@Injectable()
export class ExportDocumentJob implements JobProcessor<DocumentJobData, DocumentJobResult> {
  readonly name = EXPORT_JOB;
  private readonly keep: number;

  constructor(
    private readonly repository: DocumentJobsRepository,
    private readonly current: CurrentDocument,
    @Inject(AppConfig) { env }: AppConfig,
  ) {
    this.keep = env.EXPORT_RETENTION_PER_DOCUMENT;
  }

  async process(job: RunningJob<DocumentJobData>): Promise<DocumentJobResult> {
    const found = await this.current.load(job);
    if ('skipped' in found) return found.skipped;
    await job.progress(25);
    const content = renderPage(found.source.title, found.source.body);
    job.signal.throwIfAborted();
    await job.progress(75);
    const artifact = { contentType: 'text/html; charset=utf-8', content };
    await this.repository.saveExport(job.id, job.data, artifact, this.keep);
    await job.progress(100);
    return { outcome: 'applied', artifact: `/v1/jobs/${job.id}/artifact` };
  }
}

export function renderPage(title: string, markdown: string): string {
  const body = marked.parse(markdown) as string;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
