import { Env, configSchema } from './config.schema';
import { packageJson } from './package-json';

/** Thrown when the environment does not satisfy the schema; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The validated configuration. Injected by class, so modules depend on the type, not on env. */
export class AppConfig {
  private constructor(
    readonly env: Readonly<Env>,
    /** package.json's version, read once at start: `service.version` in logs, traces, metrics. */
    readonly serviceVersion: string,
  ) {}

  /** What names this process in its logs, traces and metrics. */
  get service(): { version: string; instanceId: string } {
    return { version: this.serviceVersion, instanceId: this.env.INSTANCE_ID };
  }

  /** Validates `source` (process.env by default) against the schema, once, at start. */
  static load(source: NodeJS.ProcessEnv = process.env): AppConfig {
    const parsed = configSchema.safeParse(emptyAsMissing(source));
    if (!parsed.success) {
      throw new ConfigError(
        parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      );
    }
    return new AppConfig(Object.freeze(parsed.data), packageJson().version);
  }
}

/** An empty variable (`FOO=`) means "use the default", the way shells and compose files set them. */
function emptyAsMissing(source: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
