import { once } from 'node:events';
import { createServer } from 'node:http';

/**
 * A sink in the bench process (on core 1 with the load generator) that accepts OTLP and answers
 * 200, so telemetry's measured cost is the server's exporting, not a collector's.
 */
export async function otlpSink(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
