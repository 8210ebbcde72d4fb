/**
 * A minimal OTLP/HTTP trace receiver (JSON encoding, as @opentelemetry/exporter-trace-otlp-http
 * sends it): collects the spans a real API process exports, for assertions.
 */
import { once } from 'node:events';
import { createServer, Server } from 'node:http';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  /** Attributes of the resource the span was exported under (`service.name`, …). */
  resource: Record<string, unknown>;
  /** Span links, as OTLP/JSON sends them (hex ids). */
  links?: { traceId: string; spanId: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
type OtlpAttributes = { key: string; value: OtlpValue }[];
interface OtlpSpan extends Omit<ReceivedSpan, 'attributes' | 'resource'> {
  attributes?: OtlpAttributes;
}
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttributes };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

function plain(list: OtlpAttributes | undefined): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value: v } of list ?? []) {
    attributes[key] = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  }
  return attributes;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') this.collect(JSON.parse(body) as OtlpTraces);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    }).listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.close();
    if (this.server) await once(this.server, 'close');
  }

  private collect(payload: OtlpTraces): void {
    for (const rs of payload.resourceSpans ?? []) {
      const resource = plain(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? [])
          this.spans.push({ ...span, attributes: plain(span.attributes), resource });
    }
  }
}
