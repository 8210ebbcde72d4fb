/**
 * Revocation on every instance within a second.
 *
 * Problem: each instance remembers key lookups for AUTH_CACHE_TTL_MS, so a revoked or rotated
 * key would keep its old answer on every instance that had seen it until that entry expired.
 *
 * Mechanism: whoever changes a key (the admin API, `npm run key`) publishes its id on a Redis
 * channel once the change is committed; every API instance subscribes and forgets what it
 * remembered of that key, so its next request is looked up again. Delivery takes milliseconds;
 * the documented bound is 1 s. The same pub/sub habits as the cache's invalidations
 * (libs/cache/src/l2-store.ts): a connection of its own for the subscription, subscribed again on
 * every reconnect, and everything forgotten on (re)subscribing.
 *
 * Failure mode: pub/sub is fire and forget. An instance not subscribed when the message goes out
 * (Redis down, reconnecting) misses it: it forgets every remembered key when it subscribes again,
 * and until then AUTH_CACHE_TTL_MS bounds how long a revoked key keeps working there. A publish
 * that fails (Redis down) is reported to the caller, with the same bound.
 */
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** Every deployment sharing a Redis hears the others' evictions: harmless, each costs a lookup. */
export const KEY_EVICTIONS_CHANNEL = 'docscale:auth:key-evictions';
/** The message that means "forget every key" (never a key id, which is a UUID). */
export const EVICT_ALL = '*';

const SUBSCRIBE_RETRY_MS = 500;

export class KeyEvictions {
  private readonly log = new Logger('KeyEvictions');
  private readonly publisher: Redis;
  private subscriber?: Redis;

  constructor(
    private readonly redisUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.publisher = new Redis(redisUrl, {
      lazyConnect: true,
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1000),
      enableOfflineQueue: false, // fail at once while disconnected: the caller reports it
      maxRetriesPerRequest: 0,
    });
    this.publisher.on('error', () => undefined); // a failed publish is reported by publish()
  }

  /** Tells every instance to forget `keyId` (after its change is committed). */
  async publish(keyId: string): Promise<void> {
    if (this.publisher.status === 'wait') await this.publisher.connect();
    await this.publisher.publish(KEY_EVICTIONS_CHANNEL, keyId);
  }

  /** Calls `evict` with each key id published, and with EVICT_ALL on every (re)subscription. */
  async listen(evict: (keyId: string) => void): Promise<void> {
    const subscriber = new Redis(this.redisUrl, {
      lazyConnect: true,
      autoResubscribe: false, // subscribed on 'ready' below, so every subscription is noticed
      connectTimeout: Math.max(this.timeoutMs, 1000),
      retryStrategy: (times: number) => Math.min(times * 20, 100),
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // reconnects on its own; the TTL covers the gap
    subscriber.on('message', (_channel: string, keyId: string) => evict(keyId));
    const subscribe = async (): Promise<void> => {
      try {
        await subscriber.subscribe(KEY_EVICTIONS_CHANNEL);
      } catch (err) {
        this.log.warn(`key eviction subscription failed: ${String(err)}`);
        setTimeout(() => {
          if (this.subscriber === subscriber && subscriber.status === 'ready') void subscribe();
        }, SUBSCRIBE_RETRY_MS).unref();
        return;
      }
      // Evictions published while this instance was not subscribed were missed.
      evict(EVICT_ALL);
    };
    subscriber.on('ready', () => void subscribe());
    await subscriber.connect().catch((err: Error) => {
      this.log.warn(
        `key evictions not subscribed yet (${err.message}): AUTH_CACHE_TTL_MS bounds revocation meanwhile`,
      );
    });
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.disconnect();
    this.publisher.disconnect();
  }
}
