/**
 * Feature toggles that every pattern asks whether it is on, switchable at runtime on all instances.
 *
 * Problem: a workshop flips a pattern off through one instance's admin endpoint; every instance
 * behind the balancer must follow within a second, including one that was restarting or whose
 * Redis subscription dropped at that moment.
 *
 * Mechanism: Redis holds the overrides (a hash) and a version counter, written in one MULTI; the
 * writer publishes the new version. Each instance reloads the hash when a notice arrives, and
 * also polls the version every `syncIntervalMs`, so a missed notice costs at most one interval.
 * Reads (`isOn`) are a plain in-memory lookup: patterns ask on every request.
 *
 * Failure mode: with Redis down, every instance keeps the last state it saw (or the configured
 * defaults), and a runtime change is refused (TogglesUnavailableError) rather than applied to
 * one instance only.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { TOGGLES_OPTIONS } from './toggles.module-definition';
import { TogglesOptions } from './toggles.options';

export class UnknownToggleError extends Error {
  constructor(
    readonly names: string[],
    readonly known: string[],
  ) {
    super(`Unknown toggle(s): ${names.join(', ')}. Known toggles: ${known.join(', ')}.`);
    this.name = 'UnknownToggleError';
  }
}

export class TogglesUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Toggles cannot be changed while Redis is unreachable: ${String(cause)}`);
    this.name = 'TogglesUnavailableError';
  }
}

export interface ToggleState {
  name: string;
  on: boolean;
  /** `runtime` when an override set through the admin endpoint is in force. */
  source: 'config' | 'runtime';
}

@Injectable()
export class Toggles implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(Toggles.name);
  private readonly defaults: ReadonlyMap<string, boolean>;
  private overrides = new Map<string, boolean>();
  private version = -1;
  private readonly hashKey: string;
  private readonly versionKey: string;
  private readonly channel: string;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(TOGGLES_OPTIONS) private readonly options: TogglesOptions) {
    this.defaults = new Map(Object.entries(options.defaults));
    const prefix = options.keyPrefix ?? 'docscale:toggles';
    this.hashKey = `${prefix}:overrides`;
    this.versionKey = `${prefix}:version`;
    this.channel = `${prefix}:changed`;
    const redisOptions = {
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: options.commandTimeoutMs ?? 1000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      // Reconnect within a second after an outage, as the sync promises (ioredis 6's default
      // backs off exponentially to 5 s).
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    };
    this.redis = new Redis(options.redisUrl, redisOptions);
    this.subscriber = new Redis(options.redisUrl, { ...redisOptions, enableOfflineQueue: true });
    for (const c of [this.redis, this.subscriber]) c.on('error', () => undefined); // logged by sync
  }

  /** Whether the pattern `name` is on right now on this instance. */
  isOn(name: string): boolean {
    return this.overrides.get(name) ?? this.defaults.get(name) ?? false;
  }

  list(): ToggleState[] {
    return [...this.defaults.keys()].map((name) => ({
      name,
      on: this.isOn(name),
      source: this.overrides.has(name) ? 'runtime' : 'config',
    }));
  }

  /** Sets runtime overrides on every instance; `null` removes an override (back to config). */
  async set(changes: Record<string, boolean | null>): Promise<ToggleState[]> {
    const unknown = Object.keys(changes).filter((n) => !this.defaults.has(n));
    if (unknown.length) throw new UnknownToggleError(unknown, [...this.defaults.keys()]);
    const multi = this.redis.multi();
    for (const [name, on] of Object.entries(changes)) {
      if (on === null) multi.hdel(this.hashKey, name);
      else multi.hset(this.hashKey, name, on ? '1' : '0');
    }
    multi.incr(this.versionKey);
    let version: number;
    try {
      const results = await multi.exec();
      version = Number(results?.at(-1)?.[1]);
    } catch (err) {
      throw new TogglesUnavailableError(err);
    }
    // Stored: every instance will follow at its next poll even if the notice or reload fails.
    await this.redis.publish(this.channel, String(version)).catch((err: Error) => {
      this.log.warn(`toggle change stored but not announced (instances follow by polling): ${err}`);
    });
    await this.reload().catch(() => undefined);
    return this.list();
  }

  async onModuleInit(): Promise<void> {
    this.registerMetric();
    this.subscriber.on('message', () => void this.sync(true));
    this.subscriber.on('ready', () => void this.subscriber.subscribe(this.channel));
    await Promise.allSettled([this.redis.connect(), this.subscriber.connect()]);
    await this.sync(true);
    this.timer = setInterval(() => void this.sync(false), this.options.syncIntervalMs ?? 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  /** Reloads the overrides when their version moved (or always, when `force`). */
  private async sync(force: boolean): Promise<void> {
    try {
      const version = Number((await this.redis.get(this.versionKey)) ?? 0);
      if (force || version !== this.version) await this.reload();
    } catch (err) {
      this.log.debug(`toggle sync skipped: ${String(err)}`);
    }
  }

  private async reload(): Promise<void> {
    const [[, raw], [, version]] = (await this.redis
      .multi()
      .hgetall(this.hashKey)
      .get(this.versionKey)
      .exec()) as [[null, Record<string, string>], [null, string | null]];
    const next = new Map<string, boolean>();
    for (const [name, value] of Object.entries(raw)) {
      if (this.defaults.has(name)) next.set(name, value === '1');
    }
    const before = JSON.stringify(this.list());
    this.overrides = next;
    this.version = Number(version ?? 0);
    if (JSON.stringify(this.list()) !== before) this.log.log(`toggles now ${this.describe()}`);
  }

  private describe(): string {
    return this.list()
      .map((t) => `${t.name}=${t.on ? 'on' : 'off'}`)
      .join(' ');
  }

  private registerMetric(): void {
    metrics
      .getMeter('docscale.toggles')
      .createObservableGauge('docscale.toggle.state', {
        description: 'Whether each pattern toggle is on (1) or off (0) on this instance',
      })
      .addCallback((result) => {
        for (const t of this.list()) result.observe(t.on ? 1 : 0, { toggle: t.name });
      });
  }
}
