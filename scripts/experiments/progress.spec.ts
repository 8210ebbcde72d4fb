import { Progress } from './progress';

/** A stream that keeps what was written, and a clock the test moves. */
function fixture(isTTY: boolean) {
  const written: string[] = [];
  let now = 0;
  const progress = new Progress({ isTTY, write: (text: string) => written.push(text) }, () => now);
  return {
    progress,
    output: () => written.join(''),
    advance: (ms: number) => void (now += ms),
  };
}

describe('Progress', () => {
  it('prints a step when it starts and how long it took when it ends', async () => {
    const { progress, output, advance } = fixture(false);
    const result = await progress.step('migrate', () => {
      advance(1234);
      return Promise.resolve(7);
    });
    expect(result).toBe(7);
    expect(output()).toBe('migrate...\nmigrate: done in 1.2 s\n');
  });

  it('says a step failed, and passes its error on', async () => {
    const { progress, output, advance } = fixture(false);
    const failing = progress.step('seed: 10 documents', () => {
      advance(500);
      return Promise.reject(new Error('no database'));
    });
    await expect(failing).rejects.toThrow('no database');
    expect(output()).toBe('seed: 10 documents...\nseed: 10 documents: failed after 0.5 s\n');
  });

  it('writes one plain line per second when not on a TTY', () => {
    const { progress, output } = fixture(false);
    progress.tick('defaults', 20, { t: 1, rps: 1523.6, errors: 0 });
    progress.tick('defaults', 20, { t: 2.1, rps: 1490, errors: 3 });
    progress.end();
    expect(output()).toBe(
      'defaults 1/20 s  1524 req/s  0 errors\ndefaults 2/20 s  1490 req/s  3 errors\n',
    );
    expect(output()).not.toContain('\r');
    expect(output()).not.toContain('\x1b');
  });

  it('redraws one bar line on a TTY and ends it before the next line', () => {
    const { progress, output } = fixture(true);
    progress.tick('defaults', 4, { t: 1, rps: 100, errors: 0 });
    progress.tick('defaults', 4, { t: 4, rps: 120, errors: 1 });
    progress.line('next');
    expect(output().split('\r')).toEqual([
      '',
      `[${'#'.repeat(6)}${'.'.repeat(18)}] defaults 1/4 s  100 req/s  0 errors\x1b[K`,
      `[${'#'.repeat(24)}] defaults 4/4 s  120 req/s  1 errors\x1b[K\nnext\n`,
    ]);
  });

  it('ends no line when no bar was drawn', () => {
    const { progress, output } = fixture(true);
    progress.end();
    progress.line('only');
    expect(output()).toBe('only\n');
  });
});
