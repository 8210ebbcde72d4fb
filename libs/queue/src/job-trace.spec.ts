import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { JobRequest } from './job-processor';
import { JobTrace } from './job-trace';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function parseTraceparent(value: string | undefined) {
  const match = TRACEPARENT.exec(value ?? '');
  if (!match) throw new Error(`not a traceparent: ${value}`);
  const [, traceId, spanId, flags] = match;
  return { traceId, spanId, flags };
}

function request(trace?: Record<string, string>): JobRequest {
  return {
    name: 'index',
    id: 'index-8f14e45f-ceea-467f-a0e6-2f1b5a9c0d11-v3',
    data: { tenantId: 't1' },
    trace,
  };
}

describe('JobTrace', () => {
  // One provider for the file: job-trace.ts resolves its tracer once, on its first traced span.
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('spec');

  function startTracing(): void {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  }

  afterEach(() => {
    exporter.reset();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  afterAll(() => provider.shutdown());

  describe('capture', () => {
    it('captures the active span as a traceparent carrying its trace and span ids', () => {
      startTracing();
      const span = tracer.startSpan('POST /v1/documents');

      const carrier = context.with(trace.setSpan(context.active(), span), () => JobTrace.capture());
      span.end();

      expect(parseTraceparent(carrier.traceparent)).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        flags: '01',
      });
    });

    it('captures nothing outside a span', () => {
      startTracing();

      expect(JobTrace.capture()).toEqual({});
    });

    it('captures nothing when tracing is not set up', () => {
      const span = tracer.startSpan('untraced');

      const carrier = context.with(trace.setSpan(ROOT_CONTEXT, span), () => JobTrace.capture());
      span.end();

      expect(carrier).toEqual({});
    });
  });

  describe('publish', () => {
    it('starts a producer span as a child of the captured request context', () => {
      startTracing();
      const requestSpan = tracer.startSpan('POST /v1/documents');
      const carrier = context.with(trace.setSpan(context.active(), requestSpan), () =>
        JobTrace.capture(),
      );
      requestSpan.end();

      // Later, and outside the request (the relay's poll): only the carrier links them.
      const { span } = JobTrace.publish(request(carrier), 'documents');
      JobTrace.end([span]);

      const published = exporter.getFinishedSpans().find((s) => s.name === 'publish documents');
      expect(published).toBeDefined();
      expect(published!.kind).toBe(SpanKind.PRODUCER);
      expect(published!.spanContext().traceId).toBe(requestSpan.spanContext().traceId);
      expect(published!.parentSpanContext?.spanId).toBe(requestSpan.spanContext().spanId);
      expect(published!.attributes).toMatchObject({
        'messaging.system': 'bullmq',
        'messaging.destination.name': 'documents',
        'messaging.operation.type': 'send',
        'messaging.message.id': request().id,
        'docscale.job.name': 'index',
      });
    });

    it('hands the consumer a traceparent naming the producer span as the parent', () => {
      startTracing();
      const requestSpan = tracer.startSpan('POST /v1/documents');
      const carrier = context.with(trace.setSpan(context.active(), requestSpan), () =>
        JobTrace.capture(),
      );

      const { span, metadata } = JobTrace.publish(request(carrier), 'documents');
      JobTrace.end([span]);
      requestSpan.end();

      const parsed = JSON.parse(metadata!) as Record<string, string>;
      expect(parseTraceparent(parsed.traceparent)).toEqual({
        traceId: requestSpan.spanContext().traceId,
        spanId: span.spanContext().spanId,
        flags: '01',
      });
      expect(span.spanContext().spanId).not.toBe(requestSpan.spanContext().spanId);
    });

    it('parents the producer span on the active span when the request carries no context', () => {
      startTracing();
      const active = tracer.startSpan('relay');

      const { span } = context.with(trace.setSpan(context.active(), active), () =>
        JobTrace.publish(request(), 'documents'),
      );
      JobTrace.end([span]);
      active.end();

      const published = exporter.getFinishedSpans().find((s) => s.name === 'publish documents');
      expect(published!.parentSpanContext?.spanId).toBe(active.spanContext().spanId);
      expect(published!.spanContext().traceId).toBe(active.spanContext().traceId);
    });

    it('ignores the active span when the request carries its own context', () => {
      startTracing();
      const requestSpan = tracer.startSpan('POST /v1/documents');
      const carrier = context.with(trace.setSpan(context.active(), requestSpan), () =>
        JobTrace.capture(),
      );
      const relay = tracer.startSpan('relay poll', {}, ROOT_CONTEXT);

      const { span } = context.with(trace.setSpan(context.active(), relay), () =>
        JobTrace.publish(request(carrier), 'documents'),
      );
      JobTrace.end([span]);

      expect(span.spanContext().traceId).toBe(requestSpan.spanContext().traceId);
      expect(span.spanContext().traceId).not.toBe(relay.spanContext().traceId);
    });

    it('propagates an unsampled request, so the job follows the request’s decision', () => {
      startTracing();
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const carrier = { traceparent: `00-${traceId}-b7ad6b7169203331-00` };

      const { span, metadata } = JobTrace.publish(request(carrier), 'documents');
      JobTrace.end([span]);

      expect(metadata).toBeDefined();
      const parsed = parseTraceparent(
        (JSON.parse(metadata!) as Record<string, string>).traceparent,
      );
      expect(parsed.traceId).toBe(traceId);
      expect(parsed.flags).toBe('00');
      expect(span.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(0);
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('carries the request’s tracestate along to the consumer', () => {
      startTracing();
      const carrier = {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'vendor=value',
      };

      const { span, metadata } = JobTrace.publish(request(carrier), 'documents');
      JobTrace.end([span]);

      expect(JSON.parse(metadata!)).toMatchObject({ tracestate: 'vendor=value' });
    });

    it('returns no metadata when no propagator is set up (tracing off)', () => {
      const carrier = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

      const { span, metadata } = JobTrace.publish(request(carrier), 'documents');
      JobTrace.end([span]);

      expect(metadata).toBeUndefined();
    });

    it('follows the decision not to sample a request that carried no trace context (an empty carrier)', () => {
      startTracing();
      const active = tracer.startSpan('relay');

      const { span, metadata } = context.with(trace.setSpan(context.active(), active), () =>
        JobTrace.publish(request({}), 'documents'),
      );
      JobTrace.end([span]);
      active.end();

      expect(span.isRecording()).toBe(false);
      const names = exporter.getFinishedSpans().map((s) => s.name);
      expect(names).not.toContain('publish documents');
      const parsed = parseTraceparent(
        (JSON.parse(metadata!) as Record<string, string>).traceparent,
      );
      expect(parsed.flags).toBe('00');
      expect(parsed.traceId).not.toBe(active.spanContext().traceId);
    });
  });

  describe('end', () => {
    it('ends every span, marking each as failed with the error', () => {
      startTracing();
      const spans = [tracer.startSpan('publish a'), tracer.startSpan('publish b')];

      JobTrace.end(spans, new Error('Redis is away'));

      const finished = exporter.getFinishedSpans();
      expect(finished.map((s) => s.name)).toEqual(['publish a', 'publish b']);
      expect(finished.map((s) => s.status)).toEqual([
        { code: SpanStatusCode.ERROR, message: 'Redis is away' },
        { code: SpanStatusCode.ERROR, message: 'Redis is away' },
      ]);
    });

    it('ends spans without an error status when there is none', () => {
      startTracing();

      JobTrace.end([tracer.startSpan('publish a')]);

      expect(exporter.getFinishedSpans().map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET]);
    });
  });
});
