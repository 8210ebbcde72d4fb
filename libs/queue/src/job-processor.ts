/** What the app gives the queue lib: one processor per job name. */
export interface JobProcessor<D = unknown, R = unknown> {
  readonly name: string;
  process(job: RunningJob<D>): Promise<R>;
}

/** A job as its processor sees it, free of BullMQ types. */
export interface RunningJob<D> {
  id: string;
  data: D;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Aborted when the worker shuts down and the job did not finish in time: the job is handed
   * back to the queue. A processor may stop early; its work must be safe to do again anyway.
   */
  signal: AbortSignal;
  /** 0 to 100, shown by `GET /v1/jobs/:id`. */
  progress(percent: number): Promise<void>;
}

/** A request for work: what the outbox stores and the relay hands to BullMQ. */
export interface JobRequest {
  name: string;
  /** Derived from the work (e.g. document id + version), so the same work requested twice is one job. */
  id: string;
  data: Record<string, unknown>;
  /** W3C trace context of the request that asked for the work (traceparent, tracestate). */
  trace?: Record<string, string>;
}

/** Runs `processor` on `data` now, in this process: the QUEUE=off path. No retry, no hand-back. */
export function runInline<D, R>(processor: JobProcessor<D, R>, id: string, data: D): Promise<R> {
  return processor.process({
    id,
    data,
    attempt: 1,
    signal: new AbortController().signal,
    progress: async () => undefined,
  });
}
