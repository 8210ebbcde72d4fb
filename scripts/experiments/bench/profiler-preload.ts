/**
 * Loaded with `--require` into a server that `npm run bench -- --profile <variant>` profiles: the
 * first SIGUSR2 starts V8's CPU profiler, the second stops it and writes the profile to
 * BENCH_CPU_PROFILE. So the profile covers the measured load only, not start-up, module loading
 * or the warm-up, which `node --cpu-prof` (the whole process life) would count as busy time.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_CPU_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) console.error(`profiler: ${err.message}`);
      else {
        // Renamed into place: the bench reads the file as soon as it exists.
        writeFileSync(`${out}.tmp`, JSON.stringify(result.profile));
        renameSync(`${out}.tmp`, out);
      }
    });
  });
}
