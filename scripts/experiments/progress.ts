/**
 * What the harness is doing while it works, on stderr (stdout keeps the summary table): each
 * setup step as it starts and its duration when done, and one line per second of a load phase:
 * on a TTY one bar redrawn in place, otherwise plain lines (CI logs get no escape codes).
 * Hand-written rather than cli-progress: the bar is one line fed by the sampler's seconds, and
 * the step lines and the non-TTY fallback are most of the job, which cli-progress does not do.
 */

/** What Progress writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** One second of a load phase (a TimePoint carries these). */
export interface ProgressTick {
  t: number;
  rps: number;
  errors: number;
}

const BAR_WIDTH = 24;

export class Progress {
  /** A bar is drawn and its line not yet ended. */
  private barOpen = false;

  constructor(
    private readonly out: ProgressStream = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `action` between a start line and a line with how long it took (or that it failed). */
  async step<T>(label: string, action: () => Promise<T> | T): Promise<T> {
    this.line(`${label}...`);
    const started = this.now();
    const took = () => `${((this.now() - started) / 1000).toFixed(1)} s`;
    try {
      const result = await action();
      this.line(`${label}: done in ${took()}`);
      return result;
    } catch (err) {
      this.line(`${label}: failed after ${took()}`);
      throw err;
    }
  }

  /** A second of `label`'s load phase of `totalSeconds`. */
  tick(label: string, totalSeconds: number, p: ProgressTick): void {
    const figures = `${label} ${Math.round(p.t)}/${Math.round(totalSeconds)} s  ${Math.round(p.rps)} req/s  ${p.errors} errors`;
    if (!this.out.isTTY) {
      this.out.write(`${figures}\n`);
      return;
    }
    const done = Math.round(BAR_WIDTH * Math.min(1, totalSeconds > 0 ? p.t / totalSeconds : 1));
    // \r back to the line's start, \x1b[K clears what a longer previous line left behind.
    this.out.write(`\r[${'#'.repeat(done)}${'.'.repeat(BAR_WIDTH - done)}] ${figures}\x1b[K`);
    this.barOpen = true;
  }

  /** Ends a bar's line, so what follows starts on a line of its own. */
  end(): void {
    if (this.barOpen) this.out.write('\n');
    this.barOpen = false;
  }

  line(text: string): void {
    this.end();
    this.out.write(`${text}\n`);
  }
}

/** Prints nothing: smoke runs and tests that do not look at progress. */
export const SILENT = new Progress({ write: () => true });
