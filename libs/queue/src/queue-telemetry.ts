/**
 * The queue's metrics (docs/patterns/load-leveling.md lists them with PromQL).
 *
 * Depth and outbox lag are read from Redis and Postgres when the metrics are collected (a scrape),
 * each bounded so that a dependency that hangs cannot hang /metrics; an unanswered read reports
 * nothing for that scrape rather than a wrong number.
 */
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  metrics,
  type Attributes,
  type BatchObservableCallback,
  type Observable,
} from '@opentelemetry/api';
import { backlogOf, REPORTED_STATES } from './job-states';

/** Seconds: from a few milliseconds (an index job) to minutes (a backlog after an outage). */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const COLLECT_TIMEOUT_MS = 1000;

@Injectable()
export class QueueTelemetry implements OnApplicationShutdown {
  private readonly meter = metrics.getMeter('docscale.queue');
  private readonly jobs = this.meter.createCounter('docscale.jobs', {
    description:
      'Job attempts by name and outcome: applied, skipped (the work moved on), retried, failed (attempts exhausted), handed_back (shutdown), stalled (worker lost)',
  });
  private readonly relayed = this.meter.createCounter('docscale.outbox.relayed', {
    description: 'Outbox rows handed to the queue',
  });
  private readonly wait = this.meter.createHistogram('docscale.job.wait', {
    description: 'From enqueue to a worker starting the job',
    unit: 's',
    advice: { explicitBucketBoundaries: SECONDS },
  });
  private readonly duration = this.meter.createHistogram('docscale.job.duration', {
    description: 'Processing time of one attempt, by job name and outcome',
    unit: 's',
    advice: { explicitBucketBoundaries: SECONDS },
  });
  private readonly attrs = new Map<string, Attributes>();
  private stops: (() => void)[] = [];

  outcome(name: string, outcome: string): void {
    this.jobs.add(1, this.attributes(name, outcome));
  }

  started(name: string, waitedMs: number): void {
    this.wait.record(waitedMs / 1000, this.attributes(name));
  }

  finished(name: string, outcome: string, tookMs: number): void {
    this.outcome(name, outcome);
    this.duration.record(tookMs / 1000, this.attributes(name, outcome));
  }

  sent(rows: number): void {
    if (rows > 0) this.relayed.add(rows);
  }

  private readonly depth = this.meter.createObservableGauge('docscale.queue.depth', {
    description:
      'Jobs accepted and not yet started (waiting, delayed, prioritized): the autoscaling signal',
  });
  private readonly states = this.meter.createObservableGauge('docscale.queue.jobs', {
    description: 'Jobs in the queue by state (waiting, active, delayed, prioritized, failed)',
  });
  private readonly pending = this.meter.createObservableGauge('docscale.outbox.pending', {
    description: 'Outbox rows not yet handed to the queue',
  });
  private readonly lag = this.meter.createObservableGauge('docscale.outbox.lag', {
    description: 'Age of the oldest outbox row not yet handed to the queue (0 when none)',
    unit: 's',
  });

  /** Reports the queue's counts by state (every process that has the queue). */
  observeQueue(counts: () => Promise<Record<string, number>>): void {
    this.register([this.depth, this.states], async (result) => {
      const c = await bounded(counts());
      if (!c) return;
      result.observe(this.depth, backlogOf(c));
      for (const state of REPORTED_STATES)
        result.observe(this.states, c[state] ?? 0, { 'queue.state': state });
    });
  }

  /** Reports the outbox backlog (the processes that relay). */
  observeOutbox(backlog: () => Promise<{ pending: number; oldestAgeMs: number }>): void {
    this.register([this.pending, this.lag], async (result) => {
      const b = await bounded(backlog());
      if (!b) return;
      result.observe(this.pending, b.pending);
      result.observe(this.lag, b.oldestAgeMs / 1000);
    });
  }

  private register(observables: Observable[], callback: BatchObservableCallback): void {
    this.meter.addBatchObservableCallback(callback, observables);
    this.stops.push(() => this.meter.removeBatchObservableCallback(callback, observables));
  }

  onApplicationShutdown(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  private attributes(name: string, outcome?: string): Attributes {
    const key = `${name}|${outcome ?? ''}`;
    let attrs = this.attrs.get(key);
    if (!attrs) {
      attrs = outcome ? { 'job.name': name, 'job.outcome': outcome } : { 'job.name': name };
      this.attrs.set(key, attrs);
    }
    return attrs;
  }
}

/** The value, or undefined if it failed or took longer than a scrape should wait. */
async function bounded<T>(pending: Promise<T> | undefined): Promise<T | undefined> {
  if (!pending) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COLLECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([pending.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
