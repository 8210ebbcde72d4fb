/**
 * Trace context from the request that asked for a job to the worker that runs it.
 *
 * The request's context is captured (`JobTrace.capture`) into the outbox row, because the relay
 * that enqueues the job runs later, in another request's process or a poll. At enqueue the relay
 * starts a producer span *as a child of that captured context* and hands its context to BullMQ as
 * the job's telemetry metadata; bullmq-otel on the worker then makes the job's `process` span its
 * child. One trace: request → publish → process.
 *
 * Parent-child, not links, because each of these jobs answers exactly one request (see
 * docs/patterns/load-leveling.md for when links are the better choice).
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Span,
} from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import type { JobRequest } from './job-processor';

const tracer = trace.getTracer('docscale.queue');

function notSampled() {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
}

export const JobTrace = {
  /** The active context (the HTTP request's) as a W3C carrier; empty when nothing is traced. */
  capture(): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier;
  },

  /**
   * A producer span for `request`, child of its captured context (or of the active one), and
   * the metadata BullMQ carries to the consumer. The caller ends the span.
   */
  publish(request: JobRequest, queueName: string): { span: Span; metadata?: string } {
    const captured = request.trace
      ? propagation.extract(ROOT_CONTEXT, request.trace)
      : context.active();
    // No trace context at all: the request was not sampled (docscale tracing starts no span for
    // those). The job follows that decision, as it follows a parent with flags 00, rather than
    // sampling a trace of its own that no request would be part of.
    const parent = trace.getSpanContext(captured) ? captured : notSampled();
    const span = tracer.startSpan(
      `publish ${queueName}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.destination.name': queueName,
          'messaging.operation.type': 'send',
          'messaging.message.id': request.id,
          'docscale.job.name': request.name,
        },
      },
      parent,
    );
    // Carried even when not sampled, so the job follows the request's decision instead of
    // sampling a trace of its own.
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    return { span, metadata: carrier.traceparent ? JSON.stringify(carrier) : undefined };
  },

  end(spans: Span[], err?: unknown): void {
    for (const span of spans) {
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span.end();
    }
  },
};
