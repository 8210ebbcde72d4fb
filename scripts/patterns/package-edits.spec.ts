import {
  deleteJsonKey,
  dropJsonItems,
  dropOverrides,
  dropScripts,
  PackageJson,
} from './package-edits';

describe('package.json edits', () => {
  it('drops the named scripts that exist and says which', () => {
    const pkg: PackageJson = { scripts: { build: 'nest build', 'bench:telemetry': 'x' } };
    expect(dropScripts(pkg, ['bench:telemetry', 'absent'])).toEqual(['bench:telemetry']);
    expect(pkg.scripts).toEqual({ build: 'nest build' });
  });

  it('drops the overrides of uninstalled packages and those that refer to one with $name', () => {
    const pkg: PackageJson = {
      overrides: {
        msgpackr: '3.0.4',
        '@opentelemetry/instrumentation-ioredis': {
          '@opentelemetry/instrumentation': '$@opentelemetry/instrumentation',
        },
        typeorm: { ioredis: '$ioredis' },
      },
    };
    expect(dropOverrides(pkg, ['@opentelemetry/instrumentation-ioredis'])).toEqual([
      '@opentelemetry/instrumentation-ioredis',
    ]);
    expect(dropOverrides(pkg, ['ioredis'])).toEqual(['typeorm > ioredis', 'typeorm']);
    expect(pkg.overrides).toEqual({ msgpackr: '3.0.4' });
  });

  it('deletes a nested JSON key and reports a missing one', () => {
    const json = { projects: { telemetry: { root: 'libs/telemetry' }, cache: {} } };
    expect(deleteJsonKey(json, ['projects', 'telemetry'])).toBe(true);
    expect(deleteJsonKey(json, ['projects', 'telemetry'])).toBe(false);
    expect(deleteJsonKey(json, ['absent', 'x'])).toBe(false);
    expect(json).toEqual({ projects: { cache: {} } });
  });

  it("drops the array items that mention one of the pattern's names, and no other", () => {
    const dashboard = {
      panels: [{ expr: 'docscale_shed_requests_total' }, { expr: 'up' }, { title: 'x' }],
    };
    expect(dropJsonItems(dashboard, ['panels'], ['docscale_shed_', 'absent'])).toBe(1);
    expect(dashboard.panels).toEqual([{ expr: 'up' }, { title: 'x' }]);
    expect(dropJsonItems(dashboard, ['absent'], ['x'])).toBe(0);
  });
});
