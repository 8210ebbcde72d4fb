/**
 * Which peers may decide, through their `traceparent`, that a request is traced.
 *
 * Problem: a `traceparent` is a header any client can send. Followed blindly, its sampled flag
 * lets a client trace every one of its requests (each sampled request costs ~45 µs of CPU here
 * and a span in the backend: a cheap way to multiply the tracing bill, or to flood it), and its
 * ids let a client graft our spans onto a trace of its own. Mechanism: the flag and the parent ids
 * are followed only when the request's direct peer (the socket's address, never a forwarded
 * header) is trusted, as proxies are trusted with X-Forwarded-For: proxy-addr's syntax
 * (`loopback`, `uniquelocal`, CIDRs), `true` for everyone, `false` for no one. Anyone else's
 * request is sampled at the ratio like one without a header, and when it is sampled its new trace
 * links to the incoming context, so the two can still be correlated.
 * Failure mode: a trusted proxy that passes clients' `traceparent` through unchanged extends the
 * trust to them; such a proxy must strip or re-sample it.
 */
import proxyAddr from 'proxy-addr';

/** Answers whether the direct peer at `address` may set the parent and the sampling decision. */
export type TraceContextTrust = (address: string | undefined) => boolean;

export function traceContextTrust(value: boolean | string | readonly string[]): TraceContextTrust {
  if (value === true) return () => true;
  if (value === false) return () => false;
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [...value];
  const trusted = proxyAddr.compile(list.filter(Boolean));
  return (address) => address !== undefined && trusted(address, 0);
}
