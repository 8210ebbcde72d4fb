/**
 * The kinds of value a configuration key can hold, shared by every lib's fragment and the app's
 * own keys, so `on`/`off`, ports and URL lists read alike everywhere. Units are in the key names
 * (`_MS`, `_BYTES`); the kinds here only check shape and range.
 */
import { z } from 'zod';

export const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');
export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().nonnegative();
export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
export const redisUrl = z.url({ protocol: /^rediss?$/ });

/** A comma-separated list (spaces and empty entries ignored), each entry checked by `item`. */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

/**
 * Fastify's trustProxy syntax: `true`, `false`, or addresses/CIDRs/keywords such as `loopback`. A
 * hop count is refused: since Fastify 5.12 it trusts no one (a hop count cannot tell the proxy
 * from a client that sent enough X-Forwarded-For entries), so it would silently make every client
 * look like the proxy to the per-address limits.
 */
export const trustList = (key: string) =>
  z
    .string()
    .min(1)
    .refine((v) => !/^\d+$/.test(v), {
      message: `a hop count is not trusted by Fastify 5.12+: name the proxies' addresses instead, e.g. ${key}=loopback,uniquelocal`,
    })
    .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v));
