/**
 * What the read/write split reports: reads by the member that served them and the reason it was
 * chosen (the replica share), and each replica's lag and rotation as gauges.
 */
import { CounterSeries, PreAggregatedCounter } from '@docscale/telemetry';
import { metrics, trace } from '@opentelemetry/api';
import { registerGauges } from './database-gauges';
import type { ReplicaState } from './replica-monitor';

export class ReadMetrics {
  private readonly reads = PreAggregatedCounter.of(
    metrics.getMeter('docscale.database'),
    'docscale.db.reads',
    { description: 'Reads by the member that served them and the reason it was chosen' },
  );
  /** By member, then reason: found without building a key (a read adds to its series). */
  private readonly series = new Map<string, Map<string, CounterSeries>>();

  /** One counter add and, inside a sampled trace only, three span attributes. */
  record(member: string, reason: string): void {
    let byReason = this.series.get(member);
    if (byReason === undefined) this.series.set(member, (byReason = new Map()));
    let series = byReason.get(reason);
    if (series === undefined) {
      const target = member === 'primary' ? 'primary' : 'replica';
      series = this.reads.series({
        'db.read.target': target,
        'db.read.member': member,
        'db.read.reason': reason,
      });
      byReason.set(reason, series);
    }
    series.add();
    trace.getActiveSpan()?.setAttributes(series.attributes);
  }

  /** Lag and rotation of each replica in `snapshot()`, observed at each collection. */
  registerReplicaGauges(snapshot: () => readonly ReplicaState[]): void {
    registerGauges(
      {
        lagBytes: {
          name: 'docscale.db.replica.lag_bytes',
          description: 'WAL bytes the primary is ahead of each replica (replay position)',
        },
        lagMs: {
          name: 'docscale.db.replica.lag_ms',
          description: 'How long ago the primary passed each replica replay position',
        },
        inRotation: {
          name: 'docscale.db.replica.in_rotation',
          description: '1 while a replica serves reads, 0 while its breaker has it out',
        },
      },
      (observe) => {
        for (const r of snapshot()) {
          const attrs = { replica: r.name };
          if (r.lagBytes !== undefined) observe('lagBytes', r.lagBytes, attrs);
          if (r.lagMs !== undefined) observe('lagMs', r.lagMs, attrs);
          observe('inRotation', r.inRotation ? 1 : 0, attrs);
        }
      },
    );
  }
}
