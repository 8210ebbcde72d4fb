/**
 * nginx in front of the local API processes, with docker/nginx/docscale.conf: the same balancer
 * configuration as compose, so what the demo and the rolling-restart test show is what runs there.
 *
 * nginx runs in the foreground (`daemon off`) as a child of the caller, with everything it writes
 * (pid, error log, temp files) under <STACK_DIR>/nginx-<port>. Changing the members rewrites one
 * included file and reloads nginx: the master starts workers with the new list and tells the old
 * ones to finish their requests and exit. A reload has taken effect once no old worker is left;
 * only then is no connection to a member marked down left open, and it is safe to stop it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, hasExited } from './processes/node-process';
import { accepts, childPids, nginxBinary, stopLeftBehind } from './processes/nginx';
import { ROOT, STACK } from './processes/stack';

export const STACK_DIR = process.env.STACK_DIR ?? join(ROOT, '.stack');

/**
 * Passive health checks of every member, which nginx only accepts per `server` line: compose's
 * docscale-upstream-servers.conf must use the same (see docker/nginx/docscale.conf).
 */
export const UPSTREAM_SERVER_PARAMS = 'max_fails=3 fail_timeout=5s';

export interface BalancerOptions {
  /** API ports on 127.0.0.1, in the upstream's order. */
  members: number[];
  /** Port nginx listens on (127.0.0.1). @defaultValue a free port */
  port?: number;
  /** `inherit`: nginx's own output goes to ours (the demo); `pipe`: kept for error messages. */
  stdio?: 'inherit' | 'pipe';
  /** How long start and each reload may take (old workers finishing requests included). */
  timeoutMs?: number;
}

export class Balancer {
  private child?: ChildProcess;
  private output = '';
  private port?: number;
  private reloads: Promise<void> = Promise.resolve();
  private readonly bin = nginxBinary(STACK);

  constructor(private readonly options: BalancerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  /** The nginx master, for the caller's exit listeners. */
  get process(): ChildProcess {
    if (!this.child) throw new Error('the balancer is not started');
    return this.child;
  }

  private get listenPort(): number {
    if (this.port === undefined) throw new Error('the balancer is not started');
    return this.port;
  }

  private get prefix(): string {
    return join(STACK_DIR, `nginx-${this.listenPort}`);
  }

  /** Starts nginx and resolves once it accepts connections with a worker running. */
  async start(): Promise<this> {
    this.port = this.options.port ?? (await freePort());
    // An nginx left behind by a run that crashed would hold the port: stop it first.
    await stopLeftBehind(join(this.prefix, 'nginx.pid'), this.prefix);
    mkdirSync(join(this.prefix, 'tmp'), { recursive: true });
    writeFileSync(join(this.prefix, 'nginx.conf'), this.mainConf());
    writeFileSync(join(this.prefix, 'docscale-listen.conf'), `listen 127.0.0.1:${this.port};\n`);
    this.writeMembers(this.options.members, []);
    const pipe = this.options.stdio !== 'inherit';
    const child = spawn(this.bin, this.args(), {
      stdio: ['ignore', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit'],
      // Its own process group: Ctrl-C in the demo reaches the demo only, which then stops nginx.
      detached: true,
    });
    this.child = child;
    child.on('error', (err) => (this.output += `${err.message}\n`));
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    try {
      if (child.pid === undefined) throw this.failure(`could not run ${this.bin}`);
      await this.until(
        'nginx to accept connections',
        async () => childPids(child.pid!).length > 0 && (await accepts(this.listenPort)),
      );
    } catch (err) {
      child.kill('SIGTERM'); // fast shutdown: the master takes its workers with it
      rmSync(this.prefix, { recursive: true, force: true }); // its log is in the message
      throw err;
    }
    return this;
  }

  /**
   * Makes `ports` the members, those in `down` marked down (they get no new requests), and
   * resolves once every nginx worker started before has exited: from then on no request goes to,
   * and no connection stays open to, a member marked down. Calls are applied one after another.
   */
  setMembers(ports: number[], { down = [] }: { down?: number[] } = {}): Promise<void> {
    const reload = this.reloads.then(() => this.reload(ports, down));
    this.reloads = reload.catch(() => undefined);
    return reload;
  }

  /** Graceful stop (in-flight requests finish), then removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGQUIT');
      await exited;
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }

  private async reload(ports: number[], down: number[]): Promise<void> {
    const master = this.process.pid!;
    this.writeMembers(ports, down);
    // Checked first: nginx keeps its old configuration on a bad one, and says so only in its log.
    await promisify(execFile)(this.bin, [...this.args(), '-t', '-q']).catch((err: Error) => {
      throw this.failure(`the new nginx configuration is invalid: ${err.message}`);
    });
    const before = new Set(childPids(master));
    process.kill(master, 'SIGHUP');
    await this.until('the nginx reload (old workers to exit)', () => {
      const now = childPids(master);
      return now.length > 0 && now.every((pid) => !before.has(pid));
    });
  }

  private args(): string[] {
    return ['-p', `${this.prefix}/`, '-c', join(this.prefix, 'nginx.conf')];
  }

  private writeMembers(ports: number[], down: number[]): void {
    const lines = ports.map(
      (p) => `server 127.0.0.1:${p} ${UPSTREAM_SERVER_PARAMS}${down.includes(p) ? ' down' : ''};`,
    );
    const file = join(this.prefix, 'docscale-upstream-servers.conf');
    // Whole or not at all: a reload (or nginx -t) never reads a half-written member list.
    writeFileSync(`${file}.tmp`, `# written by scripts/balancer.ts\n${lines.join('\n')}\n`);
    renameSync(`${file}.tmp`, file);
  }

  private mainConf(): string {
    const p = (name: string) => `"${join(this.prefix, name)}"`;
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
    return `# Written by scripts/balancer.ts on every start: edit the script, not this file.
daemon off;
worker_processes 1;
${
  // Workers run as "nobody" by default, which cannot write the temp dirs under .stack; the
  // directive means something only when the master runs as root.
  process.getuid?.() === 0 ? 'user root;\n' : ''
}pid ${p('nginx.pid')};
error_log ${p('error.log')} notice;
# A reload waits for the old workers: bound how long a slow request can keep one alive.
worker_shutdown_timeout 10s;
events { worker_connections 1024; }
http {
    access_log off;
${temp.map((t) => `    ${t}_temp_path ${p(`tmp/${t}`)};`).join('\n')}
    include "${join(ROOT, 'docker/nginx/docscale.conf')}";
}
`;
  }

  private async until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const child = this.process;
    while (!(await check())) {
      if (hasExited(child))
        throw this.failure(`nginx exited (${child.exitCode ?? child.signalCode})`);
      if (Date.now() > deadline)
        throw this.failure(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private failure(message: string): Error {
    let log = '';
    try {
      log = readFileSync(join(this.prefix, 'error.log'), 'utf8');
    } catch {
      // not written yet: nginx's own output says why
    }
    const tail = `${this.output}\n${log}`.trim().split('\n').slice(-15).join('\n');
    return new Error(`${message}\n--- nginx output and ${this.prefix}/error.log ---\n${tail}`);
  }
}
