/**
 * The sampler behind 'docscale' tracing: the sampling decision for a request is made once, at
 * the HTTP edge (`tracedServerFactory`), and the SDK must not make it a second time.
 *
 * Problem: a ratio sampler inside the SDK only runs once a span is being started, so every
 * request would have to pay for starting one just to learn it is not sampled. The edge decides
 * first with one `Math.random()` compare and starts a span only for the sampled share, inside a
 * context marked {@link EDGE_SAMPLED}. This sampler accepts those roots as they are (applying the
 * ratio again would sample ratio² of requests), follows the parent for every child span, and
 * applies the ratio by trace id to roots started elsewhere (a job without an incoming trace).
 * Failure mode: a span started with the mark on a context it did not come from the edge is
 * always sampled; only `tracedServerFactory` sets it.
 */
import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

export const EDGE_SAMPLED = createContextKey('docscale.telemetry.edge_sampled');

/** The parent context of a new trace the edge decided to sample. */
export const EDGE_SAMPLED_ROOT: Context = ROOT_CONTEXT.setValue(EDGE_SAMPLED, true);

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });

class EdgeDecidedRootSampler implements Sampler {
  private readonly byRatio: TraceIdRatioBasedSampler;

  constructor(private readonly ratio: number) {
    this.byRatio = new TraceIdRatioBasedSampler(ratio);
  }

  shouldSample(context: Context, traceId: string): SamplingResult {
    if (context.getValue(EDGE_SAMPLED) === true) return SAMPLED;
    return this.byRatio.shouldSample(context, traceId);
  }

  toString(): string {
    return `EdgeDecidedRootSampler{ratio=${this.ratio}}`;
  }
}

/** Parent-based; roots are edge-decided, or sampled by trace id at `ratio` when not from the edge. */
export function edgeSampler(ratio: number): Sampler {
  return new ParentBasedSampler({ root: new EdgeDecidedRootSampler(ratio) });
}
