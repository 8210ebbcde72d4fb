/**
 * Where a server's time went, from a V8 .cpuprofile: self time summed by package (an npm package,
 * a part of docscale, the Node runtime, GC) and by file. V8 samples the main thread on a wall
 * clock: time the event loop waits is `(idle)` and left out, so under the bench's saturating load
 * the shares are shares of the main thread's CPU; time blocked in a system call counts as busy.
 *
 * Written here rather than taken from a library: the packages that read .cpuprofile files are
 * viewers (DevTools, speedscope) or flame-graph generators; what a workshop needs in a terminal is
 * this one table, and the format is a flat list of nodes and samples.
 */
import { relative } from 'node:path';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  /** Microseconds, on the profiler's clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds before each sample (the first one: since the profile started). */
  timeDeltas: number[];
}

export interface Share {
  name: string;
  micros: number;
  /** Of the busy time: idle excluded. */
  percent: number;
}

export interface ProfileSummary {
  busyMicros: number;
  byPackage: Share[];
  byFile: Share[];
}

/** V8's pseudo-frames: not code, but what the process was doing. */
const SPECIAL: Record<string, string> = {
  '(program)': '(V8 and native code)',
  '(garbage collector)': '(garbage collector)',
  '(root)': '(V8 and native code)',
};

/** The package and the file a frame's URL belongs to; undefined for idle time. */
export function locate(
  url: string,
  functionName: string,
  root: string,
): { pkg: string; file: string } | undefined {
  if (functionName === '(idle)') return undefined;
  if (!url) {
    const special = SPECIAL[functionName] ?? '(V8 and native code)';
    return { pkg: special, file: special };
  }
  if (url.startsWith('node:')) return { pkg: 'node (runtime)', file: url };
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const rest = path.slice(inModules + '/node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return { pkg, file: rest.join('/') };
  }
  const file = relative(root, path).replace(/^dist\//, '');
  const parts = file.split('/');
  // docscale's own code, by lib or feature: libs/cache, src/documents, scripts/experiments...
  const pkg = parts.length > 2 ? `docscale ${parts[0]}/${parts[1]}` : `docscale ${parts[0]}`;
  return { pkg, file };
}

function ranked(totals: Map<string, number>, busy: number, top: number): Share[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, micros, percent: (100 * micros) / busy }));
}

/** Self time by package and by file, the `top` largest of each. */
export function summarize(profile: CpuProfile, root: string, top = 12): ProfileSummary {
  const where = new Map(
    profile.nodes.map((n) => [n.id, locate(n.callFrame.url, n.callFrame.functionName, root)]),
  );
  const byPackage = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  // A sample's time is the time until the next sample was taken (the last: until the end).
  const last = profile.samples.length - 1;
  const lastAt = profile.startTime + profile.timeDeltas.reduce((sum, d) => sum + d, 0);
  for (let i = 0; i <= last; i++) {
    const place = where.get(profile.samples[i]);
    const micros = i < last ? profile.timeDeltas[i + 1] : profile.endTime - lastAt;
    if (!place || micros <= 0) continue;
    busy += micros;
    byPackage.set(place.pkg, (byPackage.get(place.pkg) ?? 0) + micros);
    byFile.set(place.file, (byFile.get(place.file) ?? 0) + micros);
  }
  return {
    busyMicros: busy,
    byPackage: ranked(byPackage, busy, top),
    byFile: ranked(byFile, busy, top),
  };
}

/** The summary as terminal lines. */
export function formatSummary(summary: ProfileSummary): string[] {
  const rows = (shares: Share[]) =>
    shares.map(
      (s, i) => `  ${String(i + 1).padStart(2)}. ${s.percent.toFixed(1).padStart(5)}%  ${s.name}`,
    );
  return [
    `main thread busy ${(summary.busyMicros / 1000).toFixed(0)} ms (idle left out); self time by package:`,
    ...rows(summary.byPackage),
    'by file:',
    ...rows(summary.byFile),
  ];
}
