/**
 * Export: renders one document version (its body is Markdown) to a standalone HTML page, stored
 * in Postgres and downloadable from `GET /v1/jobs/:id/artifact`. The heavy work the API hands to
 * workers: a 1 MiB document takes tens of milliseconds of CPU to render.
 *
 * The artifact is the user's own Markdown turned into HTML, served from the API's origin; the
 * download route sends it as an attachment under a sandboxing CSP (jobs.controller.ts), so a
 * script in a document cannot run as the API.
 */
import type { JobProcessor, RunningJob } from '@docscale/queue';
import { Inject, Injectable } from '@nestjs/common';
import { Marked } from 'marked';
import { AppConfig } from '../../config';
import { DocumentJobData, DocumentJobResult, EXPORT_JOB, InjectedJobFault } from './document-jobs';
import { DocumentJobsRepository } from './document-jobs.repository';
import { whyNotCurrent } from './index-document.job';

const marked = new Marked({ gfm: true, async: false });

@Injectable()
export class ExportDocumentJob implements JobProcessor<DocumentJobData, DocumentJobResult> {
  readonly name = EXPORT_JOB;
  private readonly failTag: string;

  constructor(
    private readonly repository: DocumentJobsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.failTag = config.env.FAULT_JOB_FAIL_TAG;
  }

  async process(job: RunningJob<DocumentJobData>): Promise<DocumentJobResult> {
    const { data } = job;
    const source = await this.repository.findSource(data.tenantId, data.documentId);
    const stale = whyNotCurrent(source, data.version);
    if (stale) return { outcome: 'skipped', reason: stale };
    if (this.failTag && source!.tags.includes(this.failTag))
      throw new InjectedJobFault(this.failTag);
    await job.progress(25);
    const content = renderPage(source!.title, source!.body);
    job.signal.throwIfAborted();
    await job.progress(75);
    await this.repository.saveExport(job.id, data, {
      contentType: 'text/html; charset=utf-8',
      content,
    });
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
