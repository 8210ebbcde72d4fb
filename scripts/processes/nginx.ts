/**
 * nginx on this machine, for the balancer: the binary (found, or installed when root, by
 * scripts/stack.sh), and what Linux's /proc says about its processes: a master's workers (a
 * reload has taken effect once the old ones are gone), and whether an nginx left behind by a run
 * that crashed still holds a prefix directory.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** The nginx binary: NGINX_BIN, else what `stack.sh nginx-bin` finds (installing it when root). */
export function nginxBinary(stackScript: string): string {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  try {
    const out = execFileSync('bash', [stackScript, 'nginx-bin'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.trim();
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(
      'nginx is not available: run scripts/stack.sh up as root, or apt-get install nginx ' +
        `(or set NGINX_BIN)${stderr ? `\n${stderr}` : ''}`,
      { cause: err },
    );
  }
}

/** Live (not zombie) children of `ppid`. */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(parent) === ppid && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** The command line of a live process (arguments joined by spaces), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return args ? args.split('\0').join(' ').trim() : undefined; // a zombie has none
  } catch {
    return undefined;
  }
}

/**
 * Stops the nginx master named in `pidFile` if it still runs with `prefix` (after a crash of the
 * process that started it; a pid reused by another program is left alone): gracefully, then by
 * SIGKILL if it has not exited within `timeoutMs`.
 */
export async function stopLeftBehind(pidFile: string, prefix: string, timeoutMs = 15_000) {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const running = () => commandLine(pid)?.includes(prefix) === true;
  if (!Number.isInteger(pid) || pid <= 0 || !running()) return;
  process.kill(pid, 'SIGQUIT');
  const deadline = Date.now() + timeoutMs;
  while (running()) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP connection to the port succeeds (nothing is sent: no request reaches a member). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
      .once('connect', () => {
        socket.end();
        resolve(true);
      })
      .once('error', () => resolve(false));
  });
}
