import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppConfig, ConfigError } from './app-config';

/** The ConfigError `load(env)` throws; fails the test when it loads instead. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    AppConfig.load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('AppConfig', () => {
  it('loads the local defaults from an empty environment', () => {
    const { env } = AppConfig.load({});

    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      OPERATOR_HOST: '127.0.0.1',
      OPERATOR_PORT: 3200,
      DATABASE_PRIMARY_URL: 'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale',
      // pattern:read-replicas:begin
      DATABASE_REPLICA_URLS: ['postgres://docscale_app:docscale_app@127.0.0.1:55433/docscale'],
      // pattern:read-replicas:end
      DATABASE_OWNER_URL: 'postgres://docscale:docscale@127.0.0.1:55432/docscale',
      DATABASE_RLS: true,
      REDIS_URL: 'redis://127.0.0.1:56379',
      AUTH_CACHE_TTL_MS: 5000,
      // pattern:cache:begin
      CACHE_L1: true,
      // pattern:cache:end
      LOG_HTTP: false,
      TOGGLE_SYNC_INTERVAL_MS: 1000,
    });
  });

  it("names the service by package.json's version and INSTANCE_ID", () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(AppConfig.load({ INSTANCE_ID: 'api-7' }).service).toEqual({
      version,
      instanceId: 'api-7',
    });
    expect(AppConfig.load({}).service.instanceId).toBe(`${hostname()}-${process.pid}`);
  });

  it('returns a frozen configuration', () => {
    expect(Object.isFrozen(AppConfig.load({}).env)).toBe(true);
  });

  it('refuses bad values with a ConfigError naming each bad variable', () => {
    const err = configErrorFor({
      PORT: 'eighty',
      DATABASE_PRIMARY_URL: 'mysql://docscale:docscale@127.0.0.1:3306/docscale',
      API_DOCS: 'maybe',
    });

    expect(err.problems).toHaveLength(3);
    expect(err.message).toMatch(/^\s+- PORT: /m);
    expect(err.message).toMatch(/^\s+- DATABASE_PRIMARY_URL: /m);
    expect(err.message).toMatch(/^\s+- API_DOCS: /m);
  });

  it('refuses a port outside 0-65535', () => {
    expect(configErrorFor({ PORT: '65536' }).message).toContain('PORT');
  });

  it('accepts a Redis URL carrying an ACL user and password, as docker/ and k8s/ give it', () => {
    const url = 'redis://docscale:0123abcd@redis:6379';
    expect(AppConfig.load({ REDIS_URL: url }).env).toMatchObject({
      REDIS_URL: url,
    });
  });

  it('refuses a bad Redis URL without repeating the password in it (the message is logged)', () => {
    const { message } = configErrorFor({ REDIS_URL: 'http://docscale:s3cret0pass@redis:6379' });
    expect(message).toContain('REDIS_URL');
    expect(message).not.toContain('s3cret0pass');
  });

  it('refuses an OPERATOR_PORT equal to PORT: the operator plane needs a listener of its own', () => {
    expect(configErrorFor({ PORT: '4000', OPERATOR_PORT: '4000' }).problems).toEqual([
      expect.stringMatching(/^OPERATOR_PORT: must differ from PORT \(4000\)/),
    ]);
  });

  it('refuses a TRUST_PROXY hop count, which Fastify 5.12+ no longer trusts, naming the remedy', () => {
    expect(configErrorFor({ TRUST_PROXY: '1' }).message).toMatch(
      /TRUST_PROXY: .*TRUST_PROXY=loopback,uniquelocal/,
    );
  });

  it('reads TRUST_PROXY as true, false or a list of addresses', () => {
    expect(AppConfig.load({ TRUST_PROXY: 'true' }).env.TRUST_PROXY).toBe(true);
    expect(AppConfig.load({ TRUST_PROXY: 'false' }).env.TRUST_PROXY).toBe(false);
    expect(AppConfig.load({ TRUST_PROXY: 'loopback,10.0.0.0/8' }).env.TRUST_PROXY).toBe(
      'loopback,10.0.0.0/8',
    );
  });

  it('treats an empty variable as absent, so the default applies', () => {
    const { env } = AppConfig.load({ PORT: '', API_DOCS: '', DATABASE_PRIMARY_URL: '' });

    expect(env.PORT).toBe(3000);
    expect(env.API_DOCS).toBe(true);
    expect(env.DATABASE_PRIMARY_URL).toBe(
      'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale',
    );
  });

  // pattern:read-replicas:begin
  it('parses DATABASE_REPLICA_URLS as a comma list, trimming spaces and empty members', () => {
    const { env } = AppConfig.load({
      DATABASE_REPLICA_URLS: ' postgres://a:b@r1:5432/db , postgresql://a:b@r2:5432/db,',
    });

    expect(env.DATABASE_REPLICA_URLS).toEqual([
      'postgres://a:b@r1:5432/db',
      'postgresql://a:b@r2:5432/db',
    ]);
  });
  // pattern:read-replicas:end

  // pattern:read-replicas:begin
  it('names the invalid member of DATABASE_REPLICA_URLS', () => {
    const err = configErrorFor({
      DATABASE_REPLICA_URLS: 'postgres://a:b@r1:5432/db,mysql://a:b@r2:3306/db',
    });

    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^DATABASE_REPLICA_URLS\.1: /);
  });
  // pattern:read-replicas:end

  it('parses CONSISTENCY_TOKEN_PREVIOUS_SECRETS as a comma list of secrets of 16 or more', () => {
    const { env } = AppConfig.load({
      CONSISTENCY_TOKEN_PREVIOUS_SECRETS: ' old-secret-number-one , old-secret-number-two,',
    });
    expect(env.CONSISTENCY_TOKEN_PREVIOUS_SECRETS).toEqual([
      'old-secret-number-one',
      'old-secret-number-two',
    ]);
    expect(AppConfig.load({}).env.CONSISTENCY_TOKEN_PREVIOUS_SECRETS).toEqual([]);
    const err = configErrorFor({
      CONSISTENCY_TOKEN_PREVIOUS_SECRETS: 'old-secret-number-one,short',
    });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^CONSISTENCY_TOKEN_PREVIOUS_SECRETS\.1: /);
  });

  // pattern:read-replicas:begin
  it('refuses a token TTL no longer than the lag a replica in rotation may have', () => {
    // 5000 + 100 by default: an expired token is ignored, so its write must be on every replica.
    const err = configErrorFor({ CONSISTENCY_TOKEN_TTL_MS: '5100' });
    expect(err.problems).toEqual([
      expect.stringMatching(/^CONSISTENCY_TOKEN_TTL_MS: must be more than/),
    ]);
    expect(AppConfig.load({ CONSISTENCY_TOKEN_TTL_MS: '5101' }).env.CONSISTENCY_TOKEN_TTL_MS).toBe(
      5101,
    );
    expect(
      configErrorFor({ CONSISTENCY_TOKEN_TTL_MS: '9000', READ_WINDOW_MS: '9000' }).problems,
    ).toEqual([expect.stringMatching(/^CONSISTENCY_TOKEN_TTL_MS: /)]);
  });
  // pattern:read-replicas:end

  it('refuses NODE_ENV=production with the default ADMIN_API_KEY', () => {
    const err = configErrorFor({
      NODE_ENV: 'production',
      CONSISTENCY_TOKEN_SECRET: 'a-token-secret-of-our-own-0123',
    });

    expect(err.problems).toEqual([expect.stringMatching(/^ADMIN_API_KEY: .*NODE_ENV=production/)]);
  });

  // pattern:telemetry:begin
  it("refuses NODE_ENV=production with the 'stock' tracing anchor", () => {
    const err = configErrorFor({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'a-secret-of-our-own-0123456789',
      CONSISTENCY_TOKEN_SECRET: 'a-token-secret-of-our-own-0123',
      TELEMETRY_TRACING: 'stock',
    });

    expect(err.problems).toEqual([
      expect.stringMatching(/^TELEMETRY_TRACING: .*NODE_ENV=production/),
    ]);
  });

  it('reads TRACE_CONTEXT_TRUST with the syntax of TRUST_PROXY, and leaves it unset by default', () => {
    expect(AppConfig.load({}).env.TRACE_CONTEXT_TRUST).toBeUndefined();
    expect(AppConfig.load({ TRACE_CONTEXT_TRUST: 'false' }).env.TRACE_CONTEXT_TRUST).toBe(false);
    expect(AppConfig.load({ TRACE_CONTEXT_TRUST: '10.0.0.0/8' }).env.TRACE_CONTEXT_TRUST).toBe(
      '10.0.0.0/8',
    );
    expect(configErrorFor({ TRACE_CONTEXT_TRUST: '2' }).problems).toEqual([
      expect.stringMatching(/^TRACE_CONTEXT_TRUST: a hop count/),
    ]);
  });

  it('parses OTEL_RESOURCE_ATTRIBUTES as the OpenTelemetry spec writes it, refusing a bad pair', () => {
    expect(AppConfig.load({}).env.OTEL_RESOURCE_ATTRIBUTES).toBeUndefined();
    expect(
      AppConfig.load({
        OTEL_RESOURCE_ATTRIBUTES: ' deployment.environment.name=staging , team=a%2Cb%3Dc,',
      }).env.OTEL_RESOURCE_ATTRIBUTES,
    ).toEqual({ 'deployment.environment.name': 'staging', team: 'a,b=c' });
    for (const bad of ['team', 'a=b=c', '=x', 'k=%E0%A4%A']) {
      expect(configErrorFor({ OTEL_RESOURCE_ATTRIBUTES: bad }).problems).toEqual([
        expect.stringMatching(/^OTEL_RESOURCE_ATTRIBUTES: .* is not key=value/),
      ]);
    }
  });

  it('refuses to push metrics over OTLP without a collector to push them to', () => {
    expect(AppConfig.load({}).env.TELEMETRY_METRICS_OTLP).toBe(false);
    expect(configErrorFor({ TELEMETRY_METRICS_OTLP: 'on' }).problems).toEqual([
      expect.stringMatching(/^TELEMETRY_METRICS_OTLP: .*OTEL_EXPORTER_OTLP_ENDPOINT/),
    ]);
    expect(
      AppConfig.load({
        TELEMETRY_METRICS_OTLP: 'on',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }).env.TELEMETRY_METRICS_OTLP,
    ).toBe(true);
  });
  // pattern:telemetry:end

  it('refuses NODE_ENV=production with the default CONSISTENCY_TOKEN_SECRET', () => {
    const err = configErrorFor({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'a-secret-of-our-own-0123456789',
    });

    expect(err.problems).toEqual([
      expect.stringMatching(/^CONSISTENCY_TOKEN_SECRET: .*NODE_ENV=production/),
    ]);
  });

  // pattern:cache:begin
  it('refuses a cache tombstone TTL that a slow read could outlive', () => {
    const problems = configErrorFor({
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      CACHE_TOMBSTONE_TTL_MS: '20000',
    }).problems;

    expect(problems).toEqual([expect.stringMatching(/^CACHE_TOMBSTONE_TTL_MS: .*4 ×/)]);
    expect(
      AppConfig.load({ CACHE_TOMBSTONE_TTL_MS: '20001', DATABASE_STATEMENT_TIMEOUT_MS: '5000' }).env
        .CACHE_TOMBSTONE_TTL_MS,
    ).toBe(20001);
  });
  // pattern:cache:end

  // pattern:cache:begin
  it('bounds the L2 TTL jitter to half the TTL', () => {
    expect(configErrorFor({ CACHE_L2_TTL_JITTER: '0.6' }).problems).toEqual([
      expect.stringMatching(/^CACHE_L2_TTL_JITTER: /),
    ]);
  });
  // pattern:cache:end

  it('accepts NODE_ENV=production with secrets of its own', () => {
    const { env } = AppConfig.load({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'a-secret-of-our-own-0123456789',
      CONSISTENCY_TOKEN_SECRET: 'a-token-secret-of-our-own-0123',
    });

    expect(env.ADMIN_API_KEY).toBe('a-secret-of-our-own-0123456789');
  });

  // pattern:queue:begin
  it('accepts the queue defaults, which satisfy its rules with fault flags off', () => {
    const { env } = AppConfig.load({});

    expect(env.QUEUE).toBe(true);
    expect(env.QUEUE_HAND_BACK_AFTER_MS + env.SHUTDOWN_DRAIN_DELAY_MS).toBeLessThan(
      env.SHUTDOWN_TIMEOUT_MS,
    );
    expect(env.QUEUE_KEEP_COMPLETED_MS).toBeGreaterThanOrEqual(60 * env.OUTBOX_POLL_MS);
    expect(env.FAULT_JOB_DELAY_MS).toBe(0);
    expect(env.FAULT_JOB_FAIL_TAG).toBe('');
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('refuses a queue hand-back that does not come before the shutdown timeout', () => {
    const problems = configErrorFor({
      QUEUE_HAND_BACK_AFTER_MS: '10000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    }).problems;

    expect(problems).toEqual([
      expect.stringMatching(/^QUEUE_HAND_BACK_AFTER_MS: .*SHUTDOWN_TIMEOUT_MS/),
    ]);
    expect(
      AppConfig.load({ QUEUE_HAND_BACK_AFTER_MS: '9999', SHUTDOWN_TIMEOUT_MS: '10000' }).env
        .QUEUE_HAND_BACK_AFTER_MS,
    ).toBe(9999);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('refuses a hand-back that, after the drain delay, would not come before the shutdown timeout', () => {
    const problems = configErrorFor({
      QUEUE_HAND_BACK_AFTER_MS: '5000',
      SHUTDOWN_DRAIN_DELAY_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    }).problems;

    expect(problems).toEqual([
      expect.stringMatching(/^QUEUE_HAND_BACK_AFTER_MS: .*SHUTDOWN_DRAIN_DELAY_MS/),
    ]);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('refuses to keep completed jobs for less than 60 outbox polls', () => {
    const problems = configErrorFor({
      OUTBOX_POLL_MS: '1000',
      QUEUE_KEEP_COMPLETED_MS: '59999',
    }).problems;

    expect(problems).toEqual([
      expect.stringMatching(/^QUEUE_KEEP_COMPLETED_MS: .*60 × OUTBOX_POLL_MS/),
    ]);
    expect(
      AppConfig.load({ OUTBOX_POLL_MS: '1000', QUEUE_KEEP_COMPLETED_MS: '60000' }).env
        .QUEUE_KEEP_COMPLETED_MS,
    ).toBe(60_000);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it.each([
    ['FAULT_JOB_DELAY_MS', '100'],
    ['FAULT_JOB_FAIL_TAG', 'poison'],
  ])('refuses the fault flag %s when NODE_ENV=production', (name, value) => {
    const problems = configErrorFor({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'a-secret-of-our-own-0123456789',
      CONSISTENCY_TOKEN_SECRET: 'a-token-secret-of-our-own-0123',
      [name]: value,
    }).problems;

    expect(problems).toEqual([expect.stringMatching(/^FAULT_JOB_\w+: .*NODE_ENV=production/)]);
  });
  // pattern:queue:end

  // pattern:queue:begin
  it('accepts fault flags outside production', () => {
    const { env } = AppConfig.load({
      NODE_ENV: 'test',
      FAULT_JOB_DELAY_MS: '100',
      FAULT_JOB_FAIL_TAG: 'poison',
    });

    expect(env.FAULT_JOB_DELAY_MS).toBe(100);
    expect(env.FAULT_JOB_FAIL_TAG).toBe('poison');
  });
  // pattern:queue:end

  it.each([
    ['on', true],
    ['true', true],
    ['1', true],
    ['off', false],
    ['false', false],
    ['0', false],
  ])('parses the switch value %s as %s', (value, expected) => {
    const { env } = AppConfig.load({ API_DOCS: value, LOG_HTTP: value });

    expect(env.API_DOCS).toBe(expected);
    expect(env.LOG_HTTP).toBe(expected);
  });

  it.each(['yes', 'ON', 'enabled'])('refuses the switch value %s', (value) => {
    expect(configErrorFor({ DATABASE_RLS: value }).problems).toEqual([
      expect.stringMatching(/^DATABASE_RLS: /),
    ]);
  });
});
