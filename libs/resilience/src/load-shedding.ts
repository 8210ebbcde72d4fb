/**
 * Load shedding: refuse new work at once when the process is past saturation.
 *
 * Problem: a process past saturation does not fail, it answers everything slowly: queues grow,
 * callers time out and retry, the retries add load, and the process collapses. A fast 503 with
 * Retry-After keeps the requests it did admit fast, and sends the rest elsewhere or later.
 *
 * Mechanism: one onRequest hook refuses a request while the event loop's delay (sampled by
 * @fastify/under-pressure every `sampleIntervalMs`) is above `maxEventLoopDelayMs`, or while
 * `maxInFlight` requests are already being served. Health and metrics (`exempt`) always pass, so
 * probes see a busy instance as busy, not dead. The app formats the 503 (`reject`).
 *
 * Failure mode: a bound set too low sheds work the process could have done (compare
 * `docscale.shed.requests` with CPU). The delay is sampled, so a burst that arrives between two
 * samples is admitted in full, shedding starts up to an interval after the loop slowed down, and
 * a single stall that ends just as a sample is taken can go unseen (checkSampleInterval).
 */
import underPressure from '@fastify/under-pressure';
import { metrics, type Attributes, type BatchObservableCallback } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { OverloadedError, type ShedReason } from './overloaded.error';

/** Options of load shedding (from configuration: LOAD_SHED* in docs/configuration.md). */
export interface LoadSheddingOptions {
  /** The LOAD_SHEDDING toggle, asked per request: off admits everything (requests still count). */
  enabled: () => boolean;
  /**
   * Event-loop delay, in ms (mean over the last sample interval), above which new requests are
   * refused. @defaultValue 200 (LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS)
   */
  maxEventLoopDelayMs: number;
  /**
   * Requests served at once (exempt ones not counted); a new one past this is refused.
   * @defaultValue 500 (LOAD_SHED_MAX_IN_FLIGHT)
   */
  maxInFlight: number;
  /**
   * How often the event-loop delay is sampled, in ms: each sample is the mean delay of the 10 ms
   * ticks since the last. At least 20 and at least `maxEventLoopDelayMs` (registration throws
   * otherwise): an interval that holds no tick reads as Infinity, which sheds (see overloaded()).
   * @defaultValue 200 (LOAD_SHED_SAMPLE_INTERVAL_MS)
   */
  sampleIntervalMs: number;
  /** What a refused client is told to wait before retrying, in seconds. @defaultValue 1 */
  retryAfterSeconds?: number;
  /**
   * Requests never refused nor counted (health, metrics), by path: the URL without its query
   * string.
   */
  exempt: (path: string) => boolean;
  /**
   * Sends the refusal (a 503 with Retry-After: `err.retryAfterSeconds`); this lib formats no
   * response. It must send the reply: the request goes no further down Fastify's lifecycle.
   */
  reject: (err: OverloadedError, request: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * Adds load shedding to `fastify`. Await it before the app is ready (Nest: before `app.init()`),
 * and register it before hooks that do work, so a refused request costs as little as possible.
 */
export async function registerLoadShedding(
  fastify: FastifyInstance,
  options: LoadSheddingOptions,
): Promise<void> {
  // Without bounds of its own, under-pressure only samples the delay and adds no hook. Its
  // pressureHandler is not used: under-pressure calls next() once the handler returns, so a
  // refusal whose response is still in an async onSend hook would run the route all the same.
  checkSampleInterval(options);
  await fastify.register(underPressure, { sampleInterval: options.sampleIntervalMs });
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  // Hand-written: under-pressure bounds only process-wide measurements (delay, heap, RSS), and
  // the server's connection count is not a request count (idle keep-alive connections count,
  // health probes count). This counts exactly what the bound is about.
  let inFlight = 0;
  const telemetry = observe(fastify, () => inFlight);
  // The first samples cover start-up (module loading, compiling): a stall that is over, which
  // would shed a fresh instance's first requests. The delay counts from the first sample taken
  // wholly after ready.
  let delayCountsFrom = Infinity;
  fastify.addHook('onReady', async () => {
    delayCountsFrom = Date.now() + 2 * options.sampleIntervalMs;
  });

  function overloaded(): ShedReason | undefined {
    // Infinity when the interval held no tick: the loop stalled about as long as the interval,
    // which checkSampleInterval makes at least the bound.
    const delay = fastify.memoryUsage().eventLoopDelay;
    if (delay > options.maxEventLoopDelayMs && Date.now() >= delayCountsFrom) {
      return 'event-loop-delay';
    }
    return inFlight >= options.maxInFlight ? 'in-flight' : undefined;
  }

  fastify.addHook('onRequest', (request, reply, done) => {
    if (options.exempt(pathOf(request.url))) {
      done();
      return;
    }
    const reason = overloaded();
    if (reason !== undefined && options.enabled()) {
      telemetry.shed(reason);
      options.reject(new OverloadedError(reason, retryAfterSeconds), request, reply);
      return; // done() is not called: the refused request goes no further.
    }
    // An async hook before this one may have waited past the client's disconnect: 'close' has
    // been emitted already and would never take the slot back.
    if (!reply.raw.closed) {
      inFlight++;
      // 'close' follows the end of the response, or the connection closing early (a client that
      // gave up): either way, once.
      reply.raw.once('close', () => inFlight--);
    }
    done();
  });
  fastify.addHook('onClose', async () => telemetry.stop());
}

/**
 * under-pressure resets its histogram at each sample, and Node's reset drops the tick after it:
 * a sample needs two 10 ms ticks. Fewer read as Infinity: always, on an idle loop, below 20 ms;
 * and once the loop stalls about an interval, which must not be below the bound, or the bound
 * would in effect be the interval.
 */
function checkSampleInterval(options: LoadSheddingOptions): void {
  const minimum = Math.max(20, options.maxEventLoopDelayMs);
  if (options.sampleIntervalMs < minimum) {
    throw new Error(
      `Load shedding: a sample interval of ${options.sampleIntervalMs} ms cannot measure an ` +
        `event-loop delay bound of ${options.maxEventLoopDelayMs} ms; set ` +
        `LOAD_SHED_SAMPLE_INTERVAL_MS to at least ${minimum}, or lower the bound`,
    );
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function observe(fastify: FastifyInstance, inFlight: () => number) {
  // Asked at registration, not import: the global MeterProvider is set by then.
  const meter = metrics.getMeter('docscale.resilience');
  const shedRequests = meter.createCounter('docscale.shed.requests', {
    description: 'Requests refused with 503 by load shedding, by shed.reason',
    unit: '{request}',
  });
  const inFlightGauge = meter.createObservableGauge('docscale.http.in_flight', {
    description:
      'Requests being served that count against LOAD_SHED_MAX_IN_FLIGHT (exempt excluded)',
    unit: '{request}',
  });
  const delayGauge = meter.createObservableGauge('docscale.event_loop.delay_ms', {
    description: 'Event-loop delay as load shedding last sampled it (mean over the interval)',
    unit: 'ms',
  });
  const attributes: Record<ShedReason, Attributes> = {
    'event-loop-delay': { 'shed.reason': 'event-loop-delay' },
    'in-flight': { 'shed.reason': 'in-flight' },
  };
  const observables = [inFlightGauge, delayGauge];
  const callback: BatchObservableCallback = (result) => {
    result.observe(inFlightGauge, inFlight());
    const delay = fastify.memoryUsage().eventLoopDelay;
    // Infinity (no tick in the interval, see checkSampleInterval) is not a value a gauge carries.
    if (Number.isFinite(delay)) result.observe(delayGauge, delay);
  };
  meter.addBatchObservableCallback(callback, observables);
  return {
    shed: (reason: ShedReason) => shedRequests.add(1, attributes[reason]),
    stop: () => meter.removeBatchObservableCallback(callback, observables),
  };
}
