/**
 * "Last used" for every API key, without a primary write per request: each instance notes the
 * latest use of each key in memory (a Map set, nothing else on the request path) and writes what
 * it noted every AUTH_LAST_USED_INTERVAL_MS, all keys in one statement. So the time is coarse (up
 * to one interval old, per instance) and costs the primary one write per instance per interval.
 * A write that fails is logged and its uses kept for the next one; it never fails a request. On
 * shutdown the last uses are written once more, best effort.
 */
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config';
import { ApiKeysRepository } from './api-keys.repository';

@Injectable()
export class KeyUsage implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('KeyUsage');
  private pending = new Map<string, Date>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.intervalMs = config.env.AUTH_LAST_USED_INTERVAL_MS;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Notes that `keyId` was used now. */
  used(keyId: string): void {
    this.pending.set(keyId, new Date());
  }

  /** Writes the uses noted since the last write (one at a time: a slow write is not overtaken). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = this.pending;
    this.pending = new Map();
    try {
      await this.keys.recordUse(uses);
    } catch (err) {
      // Kept for the next write, unless a newer use of the key was noted meanwhile.
      for (const [id, at] of uses) if (!this.pending.has(id)) this.pending.set(id, at);
      this.log.warn(
        `could not record API key use (kept for the next try): ${(err as Error).message}`,
      );
    }
  }
}
