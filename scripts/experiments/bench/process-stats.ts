import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux everywhere). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Busy and total time of one core so far, in clock ticks, from /proc/stat (`cpu<N>` line): busy is
 * everything but idle and iowait. The share busy between two readings is Δbusy ÷ Δtotal.
 */
export function coreTicks(core: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${core} `));
  if (!line) throw new Error(`/proc/stat has no line for cpu${core}`);
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * The whole machine from /proc/stat: steal and total clock ticks so far (the `cpu` line; steal is
 * time a hypervisor ran another guest while this one had work) and the tasks runnable right now
 * (`procs_running`, the reader itself included).
 */
export function machineTicks(): { steal: number; total: number; running: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const cpu = lines.find((l) => l.startsWith('cpu '));
  const running = lines.find((l) => l.startsWith('procs_running '));
  if (!cpu || !running) throw new Error('/proc/stat has no cpu or procs_running line');
  const ticks = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  return {
    steal: ticks[7],
    total: ticks.reduce((a, b) => a + b, 0),
    running: Number(running.split(/\s+/)[1]),
  };
}
