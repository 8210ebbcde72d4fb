import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { closeWithFastify, drainKeepAliveConnections } from './drain-connections';

/** A GET on `agent`'s kept-alive connection; resolves with the status once the body is read. */
function get(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('drainKeepAliveConnections', () => {
  /**
   * A server whose /slow route waits for `release`; close() is called while a request on a
   * kept-alive connection is in flight. Resolves when close() has finished, or with 'hung'.
   * (Node itself closes this one too; what it leaves open behind nginx is checked end to end by
   * test/e2e/rolling-restart.e2e-spec.ts: SIGTERM under traffic through nginx exits 0 in time.)
   */
  async function closeWithBusyConnection(): Promise<'closed' | 'hung'> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const app: FastifyInstance = Fastify({ return503OnClosing: true });
    drainKeepAliveConnections(app, 20);
    app.get('/slow', async () => {
      arrived();
      await released;
      return { ok: true };
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answered = get(agent, `${url}/slow`);
      await inFlight;
      const closed = app.close().then(() => 'closed' as const);
      release();
      expect(await answered).toBe(200); // the request in flight is finished, not cut
      // The connection is now idle and kept alive by the client: nothing else will close it.
      const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 2000));
      return await Promise.race([closed, hung]);
    } finally {
      agent.destroy();
      await app.close();
    }
  }

  it('closes a connection busy at close() once its request is answered', async () => {
    expect(await closeWithBusyConnection()).toBe('closed');
  });
});

describe('closeWithFastify', () => {
  /**
   * A second server handing its requests to the app's routing, its /slow request in flight on a
   * kept-alive connection when the app is closed. Resolves with the order things happened in.
   */
  async function closeWhileSecondServerBusy(closeWith = true): Promise<string[]> {
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const app: FastifyInstance = Fastify({ return503OnClosing: true });
    const second = createServer((req, res) => app.routing(req, res));
    if (closeWith) closeWithFastify(app, second, 20);
    second.on('close', () => events.push('second server closed'));
    app.get('/slow', async () => {
      arrived();
      await released;
      return { ok: true };
    });
    await app.ready();
    second.listen(0, '127.0.0.1');
    await once(second, 'listening');
    const url = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answered = get(agent, `${url}/slow`).then((status) =>
        events.push(`answered ${status}`),
      );
      await inFlight;
      const closed = app.close().then(() => events.push('app closed'));
      release();
      const hung = new Promise<void>((resolve) => setTimeout(resolve, 2000));
      await Promise.race([Promise.all([answered, closed]), hung]);
      return [...events]; // as of now: the finally block closes the second server itself
    } finally {
      agent.destroy();
      second.close();
      await app.close();
    }
  }

  it('finishes the request in flight on the second server, and closes it before the app reports closed', async () => {
    const events = await closeWhileSecondServerBusy();

    expect(events).toContain('answered 200'); // not cut
    // (the client may read the end of its answer after the server has closed the connection)
    expect(events.filter((e) => e !== 'answered 200')).toEqual([
      'second server closed',
      'app closed',
    ]);
  });

  it('leaves the second server open when the app closes without it (the failure it prevents)', async () => {
    expect(await closeWhileSecondServerBusy(false)).not.toContain('second server closed');
  });
});
