import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { startTelemetry, TelemetryAlreadyStartedError } from './start-telemetry';
import { currentTelemetry } from './telemetry-handle';
import { startTracedApp } from './telemetry.fixture';

describe('startTelemetry', () => {
  afterEach(() => currentTelemetry().shutdown());

  it('refuses a second start while running, and starts again after shutdown', async () => {
    const first = startTelemetry({ serviceName: 'spec' });
    expect(currentTelemetry()).toBe(first);
    expect(() => startTelemetry({ serviceName: 'spec' })).toThrow(TelemetryAlreadyStartedError);

    await first.shutdown();
    const second = startTelemetry({ serviceName: 'spec' });
    expect(currentTelemetry()).toBe(second);
  });

  it('unregisters the OpenTelemetry globals on shutdown', async () => {
    const telemetry = startTelemetry({ serviceName: 'spec', traceSampleRatio: 1 });
    const activeSpanIn = () => {
      const span = trace.getTracer('spec').startSpan('probe', {}, ROOT_CONTEXT);
      return context.with(trace.setSpan(ROOT_CONTEXT, span), () => trace.getActiveSpan());
    };
    expect(activeSpanIn()?.isRecording()).toBe(true);
    expect(propagation.fields()).toContain('traceparent');

    await telemetry.shutdown();
    expect(activeSpanIn()).toBeUndefined(); // no context manager: nothing is ever active
    expect(propagation.fields()).toEqual([]);
    expect(currentTelemetry()).toMatchObject({ tracing: 'off', metricsEnabled: false });
  });

  it('rejects a sample ratio outside 0..1, naming the setting to fix', () => {
    expect(() => startTelemetry({ serviceName: 'spec', traceSampleRatio: 10 })).toThrow(
      /TELEMETRY_TRACE_SAMPLE_RATIO/,
    );
    expect(currentTelemetry()).toMatchObject({ tracing: 'off' });
  });

  it('names the service, its version and instance on every span and in target_info', async () => {
    const spans = new InMemorySpanExporter();
    const telemetry = startTelemetry({
      serviceName: 'spec',
      serviceVersion: '1.2.3',
      serviceInstanceId: 'api-7',
      // Extra attributes are kept; the service's own three win over the same keys here.
      resourceAttributes: { 'deployment.environment.name': 'staging', 'service.instance.id': 'x' },
      spanExporter: spans,
      traceSampleRatio: 1,
    });
    trace.getTracer('spec').startSpan('probe', {}, ROOT_CONTEXT).end();

    const expected = {
      'service.name': 'spec',
      'service.version': '1.2.3',
      'service.instance.id': 'api-7',
      'deployment.environment.name': 'staging',
    };
    expect(spans.getFinishedSpans()[0]?.resource.attributes).toEqual(expected);
    const targetInfo = (await telemetry.metricsText())
      .split('\n')
      .find((l) => l.startsWith('target_info{'));
    for (const label of [
      'service_name="spec"',
      'service_version="1.2.3"',
      'service_instance_id="api-7"',
      'deployment_environment_name="staging"',
    ]) {
      expect(targetInfo).toContain(label);
    }
  });

  it('exposes the instruments other libs create through Metrics', async () => {
    const telemetry = startTelemetry({ serviceName: 'spec' });
    const hits = telemetry.metrics.meter('docscale.cache').createCounter('cache.hits');
    hits.add(2, { 'cache.level': 'l1' });

    expect(await telemetry.metricsText()).toMatch(
      /cache_hits(_total)?\{cache_level="l1",otel_scope_name="docscale.cache"\} 2/,
    );
  });

  it('turns every meter into a no-op with metrics off', async () => {
    const telemetry = startTelemetry({ serviceName: 'spec', metrics: false });
    telemetry.metrics.meter('docscale.cache').createCounter('cache.hits').add(1);
    expect(telemetry.metricsEnabled).toBe(false);
    expect(await telemetry.metricsText()).toBe('');
  });

  it('leaves HTTP spans and RED metrics to the auto-instrumentation in the stock setup', async () => {
    // Jest's module registry hides `http` from the instrumentation's require hook, so the patched
    // server itself is checked by `npm run bench:telemetry`, not here.
    const app = await startTracedApp({ tracing: 'stock', traceSampleRatio: 1 }, (fastify) =>
      fastify.get('/items/:id', async () => ({ ok: true })),
    );
    try {
      expect((await fetch(`${app.url}/items/1`)).status).toBe(200);
      const span = trace.getTracer('spec').startSpan('probe', {}, ROOT_CONTEXT);
      expect(span.isRecording()).toBe(true); // NodeSDK registered the tracer provider
      span.end();
      const text = await app.telemetry.metricsText();
      expect(text).toContain('target_info');
      expect(text).not.toContain('otel_scope_name="@docscale/telemetry"');
    } finally {
      await app.close();
    }
  });
});
