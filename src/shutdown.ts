import { INestApplication, Logger } from '@nestjs/common';

/**
 * Closes the app on SIGTERM/SIGINT and exits 0: Nest runs every shutdown hook (readiness turns
 * failing, pools and connections close) and Fastify finishes in-flight requests first, on the
 * operator listener too (it closes with the app: src/operator-listener.ts). If closing
 * takes longer than `timeoutMs` the process exits 1 rather than hang; a second signal exits now.
 * Since Nest 12 a shutdown hook that throws is logged by Nest and the other hooks still run, so
 * it does not change the exit code: exit 1 is for a close or `afterClose` that fails outright.
 */
export function closeOnSignals(
  app: INestApplication,
  timeoutMs: number,
  afterClose: () => Promise<void> = async () => undefined,
): void {
  const log = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    closing = true;
    log.log(`${signal}: closing`);
    const timer = setTimeout(() => {
      log.error(`shutdown took longer than ${timeoutMs} ms: exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
      .close()
      .then(afterClose)
      .then(
        () => process.exit(0),
        (err: Error) => {
          log.error(`shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
