// The receiver of docker/alertmanager/alertmanager.yml: Alertmanager's webhook POSTs each
// notification (a group of alerts) here, and every alert in it becomes one JSON line on stdout,
// firing or resolved: `docker compose -f docker/compose.yaml logs -f alert-log`. It answers 200
// once the line is written, so Alertmanager counts the notification delivered (and retries
// otherwise). A stand-in for a real receiver: nothing is stored, nobody is paged.
// Run by the Node of the image it is mounted into; test/deploy/alertmanager.spec.ts runs it too.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { createServer } from 'node:http';
import process from 'node:process';

const port = Number(process.env.PORT ?? 9099);
const host = process.env.HOST ?? '0.0.0.0';
// A notification carries one group's alerts, a few KiB; anything far larger is not one.
const MAX_BODY_BYTES = 1024 * 1024;

/** One line per alert: what fired, how bad, where, since when. */
function logLines(notification) {
  return (notification.alerts ?? []).map((alert) =>
    JSON.stringify({
      status: alert.status,
      alertname: alert.labels?.alertname,
      severity: alert.labels?.severity,
      summary: alert.annotations?.summary,
      labels: alert.labels,
      startsAt: alert.startsAt,
      endsAt: alert.status === 'resolved' ? alert.endsAt : undefined,
      receiver: notification.receiver,
    }),
  );
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('ok\n');
  if (req.method !== 'POST') {
    res.statusCode = 405;
    return void res.end();
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    let notification;
    try {
      if (size > MAX_BODY_BYTES) throw new Error(`body over ${MAX_BODY_BYTES} bytes`);
      notification = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      console.error(`alert-log: refused a notification: ${err.message}`);
      res.statusCode = 400;
      return void res.end();
    }
    for (const line of logLines(notification)) console.log(line);
    res.end();
  });
});

server.listen(port, host, () => console.log(`alert-log listening on ${server.address().port}`));
// PID 1 in its container: Node installs no default SIGTERM handler there.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
