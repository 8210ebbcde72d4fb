import type { Attributes, Meter } from '@opentelemetry/api';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { observeGcPauses } from './gc-pauses';

/** A meter whose one histogram keeps what was recorded. */
function recordingMeter(): { meter: Meter; recorded: Array<[number, Attributes | undefined]> } {
  const recorded: Array<[number, Attributes | undefined]> = [];
  const meter = {
    createHistogram: () => ({ record: (v: number, a?: Attributes) => recorded.push([v, a]) }),
  } as unknown as Meter;
  return { meter, recorded };
}

/** `global.gc` without starting node with --expose-gc: the flag is read when a context is made. */
function forceGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function until(check: () => boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not true within ${deadlineMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('observeGcPauses', () => {
  it('records a forced full collection as a major pause, in seconds', async () => {
    const { meter, recorded } = recordingMeter();
    // Node's own view of the same pauses, in ms: what the histogram must hold, in seconds.
    const majorMs: number[] = [];
    const witness = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const { detail } = e as PerformanceEntry & { detail?: { kind?: number } };
        if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorMs.push(e.duration);
      }
    });
    witness.observe({ entryTypes: ['gc'] });
    const stop = observeGcPauses(meter);
    try {
      forceGc();
      const major = () => recorded.filter(([, a]) => a?.['gc.kind'] === 'major');
      await until(() => major().length > 0 && majorMs.length >= major().length, 5000);
      expect(major()[0][0]).toBeGreaterThan(0);
      expect(major().map(([seconds]) => seconds)).toEqual(majorMs.map((ms) => ms / 1000));
    } finally {
      stop();
      witness.disconnect();
    }
  });

  it('records nothing once stopped', async () => {
    const { meter, recorded } = recordingMeter();
    observeGcPauses(meter)();
    // A second observer tells when the collection's entry was delivered: no guessed wait.
    let seen = false;
    const witness = new PerformanceObserver(() => (seen = true));
    witness.observe({ entryTypes: ['gc'] });
    try {
      forceGc();
      await until(() => seen, 5000);
      expect(recorded).toEqual([]);
    } finally {
      witness.disconnect();
    }
  });
});
