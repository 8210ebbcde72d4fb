/**
 * Circuit breakers, and one board that shows them all.
 *
 * Problem: a dependency that is down or frozen makes every call wait out a timeout, piling up
 * requests (and pool slots) behind it; and nobody can see which dependency is being spared.
 *
 * Mechanism: a breaker (cockatiel) counts consecutive failures the caller classifies as the
 * dependency's (a bad query is not); at `threshold` it opens and calls fail at once with
 * CircuitOpenError (a 503 with Retry-After). After `halfOpenMs` the next call is the probe: one
 * real request is risked, and concurrent ones still fail fast; success closes the breaker.
 * Breakers that live elsewhere (the cache's Redis breaker, the replica rotation) report their
 * state here, so `docscale.breaker.state` and readiness cover every breaker in one place.
 *
 * Failure mode: state is per process. With N instances, each must see `threshold` failures of
 * its own before it opens, and each probes on its own: N probe requests per half-open period.
 */
import { Logger } from '@nestjs/common';
import { metrics, type Attributes } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { CircuitOpenError } from './resilience.errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe call is let through, in ms. */
  halfOpenMs: number;
  /** Whether an error is the dependency's (counts) or the call's own (a bad query: does not). */
  isFailure: (err: unknown) => boolean;
  /** Whether a failure was a timeout, for `docscale.breaker.failures{failure="timeout"}`. */
  isTimeout?: (err: unknown) => boolean;
}

/** A breaker as callers use it: run work through it. */
export interface Breaker {
  readonly name: string;
  readonly state: BreakerState;
  /** Runs `work`, or throws CircuitOpenError at once while the breaker is open. */
  execute<T>(work: () => Promise<T>): Promise<T>;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };
const FROM_COCKATIEL: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export class Breakers {
  private readonly log = new Logger('Breakers');
  private readonly states = new Map<string, BreakerState>();
  private readonly meter = metrics.getMeter('docscale.resilience');
  private readonly transitions = this.meter.createCounter('docscale.breaker.transitions', {
    description: 'Breaker state changes, by breaker and the state entered',
  });
  private readonly failures = this.meter.createCounter('docscale.breaker.failures', {
    description:
      "Calls that failed with the dependency's fault, by breaker and kind (timeout, error)",
  });
  private readonly rejections = this.meter.createCounter('docscale.breaker.rejections', {
    description: 'Calls refused at once because the breaker was open',
  });
  private readonly gauge = this.meter.createObservableGauge('docscale.breaker.state', {
    description: 'Breaker state: 0 closed, 1 open (calls fail fast or fall back), 2 half-open',
  });
  private readonly observe = (result: { observe(v: number, a: Attributes): void }) => {
    for (const [breaker, state] of this.states) result.observe(STATE_VALUE[state], { breaker });
  };

  constructor() {
    this.gauge.addCallback(this.observe);
  }

  /** A breaker of this board (the primary's, the rate limiter's Redis). */
  create(name: string, settings: BreakerSettings): Breaker {
    const policy: CircuitBreakerPolicy = circuitBreaker(handleWhen(settings.isFailure), {
      halfOpenAfter: settings.halfOpenMs,
      breaker: new ConsecutiveBreaker(settings.threshold),
    });
    let openedAt = 0;
    policy.onBreak(() => (openedAt = Date.now()));
    policy.onStateChange((s) => {
      const before = this.states.get(name);
      const state = FROM_COCKATIEL[s];
      this.report(name, state);
      const line = `breaker ${name}: ${before} → ${state}`;
      if (state === 'closed') this.log.log(line);
      else this.log.warn(line);
    });
    this.report(name, 'closed');
    // Built once: every call of an open breaker (during an outage, every request) records one.
    const rejected = { breaker: name };
    const failed = {
      timeout: { breaker: name, failure: 'timeout' },
      error: { breaker: name, failure: 'error' },
    };
    const states = this.states;
    return {
      name,
      get state() {
        return states.get(name) ?? 'closed';
      },
      execute: async <T>(work: () => Promise<T>): Promise<T> => {
        // cockatiel makes calls that arrive while the probe runs wait for it: with a frozen
        // dependency that is a connect timeout each. Fail them fast instead.
        if (policy.state === CircuitState.HalfOpen) {
          this.rejections.add(1, rejected);
          throw new CircuitOpenError(name, 1);
        }
        try {
          return await policy.execute(work);
        } catch (err) {
          if (!(err instanceof BrokenCircuitError)) {
            // Counted here rather than in an onFailure listener, which cockatiel would time on
            // every call, successes included.
            if (settings.isFailure(err)) {
              this.failures.add(1, settings.isTimeout?.(err) ? failed.timeout : failed.error);
            }
            throw err;
          }
          this.rejections.add(1, rejected);
          const leftMs = Math.max(0, openedAt + settings.halfOpenMs - Date.now());
          throw new CircuitOpenError(name, Math.max(1, Math.ceil(leftMs / 1000)));
        }
      },
    };
  }

  /**
   * A state change of a breaker kept elsewhere (whose owner logs it); also how this board's own
   * breakers record theirs.
   */
  report(name: string, state: BreakerState): void {
    const before = this.states.get(name);
    if (before === state) return;
    this.states.set(name, state);
    if (before === undefined && state === 'closed') return; // registration, not a transition
    this.transitions.add(1, { breaker: name, state });
  }

  /** Every breaker's state, for readiness. */
  snapshot(): Record<string, BreakerState> {
    return Object.fromEntries(this.states);
  }

  /** Unregisters the gauge (a stopped app must not be kept alive by the meter). */
  stop(): void {
    this.gauge.removeCallback(this.observe);
  }
}
