import { CpuProfile, formatSummary, locate, summarize } from './cpu-profile';

const ROOT = '/repo';
const frame = (id: number, url: string, functionName = 'f') => ({
  id,
  callFrame: { url, functionName },
});

describe('locate', () => {
  it('names an npm package, scoped or not, and the file inside it', () => {
    expect(locate('file:///repo/node_modules/fastify/lib/reply.js', 'send', ROOT)).toEqual({
      pkg: 'fastify',
      file: 'fastify/lib/reply.js',
    });
    expect(
      locate('/repo/node_modules/@nestjs/core/router/router-proxy.js', 'handle', ROOT),
    ).toEqual({ pkg: '@nestjs/core', file: '@nestjs/core/router/router-proxy.js' });
  });

  it('takes the innermost node_modules of a nested dependency', () => {
    expect(locate('/repo/node_modules/a/node_modules/b/index.js', 'g', ROOT)?.pkg).toBe('b');
  });

  it("names docscale's own code by lib or feature, with the dist/ prefix dropped", () => {
    expect(locate('file:///repo/dist/libs/cache/src/tiered-cache.js', 'get', ROOT)).toEqual({
      pkg: 'docscale libs/cache',
      file: 'libs/cache/src/tiered-cache.js',
    });
  });

  it("groups Node's own modules, V8's pseudo-frames, and leaves idle time out", () => {
    expect(locate('node:internal/streams/writable', 'write', ROOT)?.pkg).toBe('node (runtime)');
    expect(locate('', '(garbage collector)', ROOT)?.pkg).toBe('(garbage collector)');
    expect(locate('', '(program)', ROOT)?.pkg).toBe('(V8 and native code)');
    expect(locate('', '(idle)', ROOT)).toBeUndefined();
  });
});

describe('summarize', () => {
  const profile: CpuProfile = {
    nodes: [
      frame(1, '', '(root)'),
      frame(2, '', '(idle)'),
      frame(3, '/repo/node_modules/fastify/lib/reply.js'),
      frame(4, '/repo/dist/src/documents/documents.controller.js'),
    ],
    // Each sample is charged the delta that follows it, the last one the time until the end.
    startTime: 1000,
    samples: [3, 3, 4, 2, 3],
    timeDeltas: [10, 100, 200, 300, 400],
    endTime: 1000 + 1010 + 50,
  };

  it('charges each sample the time until the next and ranks shares of the busy time', () => {
    const summary = summarize(profile, ROOT);

    // fastify: 100 + 200 + 50; docscale: 300; idle (400) left out.
    expect(summary.busyMicros).toBe(650);
    expect(summary.byPackage.map((s) => [s.name, s.micros])).toEqual([
      ['fastify', 350],
      ['docscale src/documents', 300],
    ]);
    expect(summary.byPackage[0].percent).toBeCloseTo(53.85, 1);
  });

  it('keeps the top n and prints them as ranked lines', () => {
    const lines = formatSummary(summarize(profile, ROOT, 1));

    expect(lines[0]).toMatch(/^main thread busy 1 ms/);
    expect(lines).toContain('   1.  53.8%  fastify');
    expect(lines).toContain('   1.  53.8%  fastify/lib/reply.js');
    expect(lines).toHaveLength(4);
  });
});
