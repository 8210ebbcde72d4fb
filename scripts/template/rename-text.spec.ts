import { renamer } from './rename-text';
import { serviceName } from './service-name';

const rename = renamer(serviceName('docscale'), serviceName('acme-notes'));
const inFile = (path: string) => (text: string) => rename(text, path);
const ts = inFile('src/x.ts');

describe('renamer', () => {
  it('gives packages, images, Kubernetes objects, hostnames and prose the kebab form', () => {
    expect(inFile('package.json')('"name": "docscale",')).toBe('"name": "acme-notes",');
    expect(inFile('k8s/a.yaml')('name: docscale-secrets')).toBe('name: acme-notes-secrets');
    expect(inFile('k8s/a.yaml')('app.kubernetes.io/name: docscale')).toBe(
      'app.kubernetes.io/name: acme-notes',
    );
    expect(inFile('k8s/a.yaml')('docscale/stage: migrate')).toBe('acme-notes/stage: migrate');
    expect(inFile('a.sh')('docker build -t docscale:local .')).toBe(
      'docker build -t acme-notes:local .',
    );
    expect(inFile('a.md')('curl https://docscale.example.com')).toBe(
      'curl https://acme-notes.example.com',
    );
    expect(inFile('a.sh')('echo "docscale: needs Node"')).toBe('echo "acme-notes: needs Node"');
  });

  it('keeps the lib import scope an npm scope', () => {
    expect(ts("import { Database } from '@docscale/database';")).toBe(
      "import { Database } from '@acme-notes/database';",
    );
  });

  it('gives metric, recording rule, attribute and Redis key names the snake form', () => {
    expect(ts('\'docscale_queue_depth{job="docscale-api"}\'')).toBe(
      '\'acme_notes_queue_depth{job="acme-notes-api"}\'',
    );
    expect(inFile('r.yaml')('record: docscale:slo_latency_errors:ratio_rate5m')).toBe(
      'record: acme_notes:slo_latency_errors:ratio_rate5m',
    );
    expect(ts("metrics.getMeter('docscale.database')")).toBe(
      "metrics.getMeter('acme_notes.database')",
    );
    expect(ts("keyPrefix ?? 'docscale:ratelimit'")).toBe("keyPrefix ?? 'acme_notes:ratelimit'");
    expect(ts('/\\bdocscale:[a-z0-9_:]+/g')).toBe('/\\bacme_notes:[a-z0-9_:]+/g');
    expect(ts('/\\b(docscale|http_server)_[a-z]+/')).toBe('/\\b(acme_notes|http_server)_[a-z]+/');
  });

  it('gives connection URLs snake roles and databases but kebab hosts', () => {
    expect(
      inFile('k.yaml')('postgres://docscale_app:docscale_app@docscale-db-rw:5432/docscale'),
    ).toBe('postgres://acme_notes_app:acme_notes_app@acme-notes-db-rw:5432/acme_notes');
    expect(
      inFile('c.yaml')('redis://docscale:${DOCSCALE_REDIS_PASSWORD:?see docker/README.md}@redis'),
    ).toBe('redis://acme-notes:${ACME_NOTES_REDIS_PASSWORD:?see docker/README.md}@redis');
    expect(ts("'postgres://docscale@db.internal:5432/docscale'")).toBe(
      "'postgres://acme_notes@db.internal:5432/acme_notes'",
    );
    expect(ts("'postgres://docscale:5432/x'")).toBe("'postgres://acme-notes:5432/x'");
  });

  it('reads a ${VAR:?message} with spaces inside a URL as part of it', () => {
    expect(
      inFile('c.yaml')('postgres://docscale:${P:?see docker/README.md}@primary:5432/docscale'),
    ).toBe('postgres://acme_notes:${P:?see docker/README.md}@primary:5432/acme_notes');
  });

  it('gives Postgres roles and databases named outside a URL the snake form, Redis ACL users kebab', () => {
    expect(inFile('c.yaml')('pg_isready -U docscale -d docscale')).toBe(
      'pg_isready -U acme_notes -d acme_notes',
    );
    expect(ts("['-U', 'docscale', '-d', 'docscale']")).toBe(
      "['-U', 'acme_notes', '-d', 'acme_notes']",
    );
    expect(inFile('s.sh')('readonly APP_DB=docscale APP_PASSWORD=docscale')).toBe(
      'readonly APP_DB=acme_notes APP_PASSWORD=acme_notes',
    );
    expect(inFile('c.yaml')('POSTGRES_USER: docscale')).toBe('POSTGRES_USER: acme_notes');
    expect(inFile('e.sh')('"user docscale on >$DOCSCALE_REDIS_PASSWORD"')).toBe(
      '"user acme-notes on >$ACME_NOTES_REDIS_PASSWORD"',
    );
  });

  it('gives identifiers and alert names the Pascal form and document titles the Title form', () => {
    expect(ts('createDocscaleClient()')).toBe('createAcmeNotesClient()');
    expect(inFile('r.yaml')('alert: DocscaleOutboxStuck')).toBe('alert: AcmeNotesOutboxStuck');
    expect(inFile('README.md')('# docscale\n\ndocscale is')).toBe('# Acme Notes\n\nacme-notes is');
    expect(inFile('a.md')('Docscale runs')).toBe('Acme Notes runs');
  });

  it('renames file names', () => {
    expect(rename('docker/prometheus/rules/docscale.rules.yaml', '')).toBe(
      'docker/prometheus/rules/acme-notes.rules.yaml',
    );
    expect(rename('docker/nginx/docscale.conf', '')).toBe('docker/nginx/acme-notes.conf');
  });

  it('leaves the tracing mode docscale alone: a config value, not the service', () => {
    expect(ts("TELEMETRY_TRACING: z.enum(['docscale', 'stock', 'off']).default('docscale'),")).toBe(
      "TELEMETRY_TRACING: z.enum(['docscale', 'stock', 'off']).default('docscale'),",
    );
    expect(ts("export type TracingMode = 'off' | 'docscale' | 'stock';")).toBe(
      "export type TracingMode = 'off' | 'docscale' | 'stock';",
    );
    expect(ts("if (options.tracing === 'docscale') tracing = startDocscaleTracing(o);")).toBe(
      "if (options.tracing === 'docscale') tracing = startDocscaleTracing(o);",
    );
    expect(ts("import { startDocscaleTracing } from './docscale-tracing';")).toBe(
      "import { startDocscaleTracing } from './docscale-tracing';",
    );
    expect(rename('libs/telemetry/src/docscale-tracing.ts', '')).toBe(
      'libs/telemetry/src/docscale-tracing.ts',
    );
    expect(ts(" * 'docscale' tracing: spans only inside sampled traces")).toBe(
      " * 'docscale' tracing: spans only inside sampled traces",
    );
    expect(ts("    \"'stock' is the anchor: use 'docscale' or 'off' in production\",")).toBe(
      "    \"'stock' is the anchor: use 'docscale' or 'off' in production\",",
    );
    expect(
      inFile('a.md')('| `TELEMETRY_TRACING` | `docscale` | `docscale` (edge sampling) |'),
    ).toBe('| `TELEMETRY_TRACING` | `docscale` | `docscale` (edge sampling) |');
    expect(inFile('.env')('TELEMETRY_TRACING=docscale')).toBe('TELEMETRY_TRACING=docscale');
    expect(inFile('k.yaml')('  TELEMETRY_TRACING: docscale')).toBe('  TELEMETRY_TRACING: docscale');
  });

  it('still renames the service where it stands beside the tracing mode', () => {
    expect(ts("OTEL_SERVICE_NAME: z.string().min(1).default('docscale'),")).toBe(
      "OTEL_SERVICE_NAME: z.string().min(1).default('acme-notes'),",
    );
    expect(ts("{ name: 'docscale telemetry off', env: { TELEMETRY_TRACING: 'off' } },")).toBe(
      "{ name: 'acme-notes telemetry off', env: { TELEMETRY_TRACING: 'off' } },",
    );
    expect(inFile('a.md')('docscale never runs it in production')).toBe(
      'acme-notes never runs it in production',
    );
  });

  it('leaves words that only contain the name alone', () => {
    expect(ts('docscaled xdocscale Docscaler DOCSCALEX')).toBe(
      'docscaled xdocscale Docscaler DOCSCALEX',
    );
  });

  it('renames a renamed tree again, every form back to one spelling', () => {
    const back = renamer(serviceName('acme-notes'), serviceName('docscale'));
    const once = ts('x acme-notes acme_notes ACME_NOTES AcmeNotesX # Acme Notes');
    expect(back(rename('@docscale/db docscale_x DOCSCALE_Y DocscaleZ', 'a.ts'), 'a.ts')).toBe(
      '@docscale/db docscale_x DOCSCALE_Y DocscaleZ',
    );
    expect(once).toBe('x acme-notes acme_notes ACME_NOTES AcmeNotesX # Acme Notes');
  });

  it('does not rename a new name that contains the old one twice', () => {
    const longer = renamer(serviceName('docscale'), serviceName('docscale-two'));
    expect(longer('docscale_x docscale', 'a.ts')).toBe('docscale_two_x docscale-two');
  });
});
