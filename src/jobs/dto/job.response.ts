/** A job as `GET /v1/jobs/:id` shows it. */
export class JobResponse {
  id!: string;
  /** `index` or `export`. */
  name!: string;
  /**
   * `pending` (in the outbox, not yet queued: Redis was unreachable), `waiting`, `delayed` (a
   * retry's backoff), `active`, `completed` or `failed` (attempts used up; `POST …/retry`).
   */
  state!: string;
  /** 0 to 100. */
  progress!: number;
  /** Attempts that ended (failed or completed). */
  attemptsMade!: number;
  documentId!: string;
  version!: number;
  createdAt?: string;
  processedAt?: string;
  finishedAt?: string;
  failedReason?: string;
  /** What the job did: `{ outcome: 'applied' | 'skipped', reason?, artifact? }`. */
  result?: unknown;
  links!: { self: string; artifact?: string; retry?: string };
}

export class JobList {
  items!: JobResponse[];
}
