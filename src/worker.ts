// pattern:telemetry:begin
import { config, telemetry } from './instrument'; // first: telemetry must start before anything it patches loads
// pattern:telemetry:else
// import { config } from './instrument'; // first: a bad configuration stops the process before anything starts
// pattern:telemetry:end
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { frameworkErrorHandler, ProblemFilter } from './problems/problem.filter';
import { closeOnSignals } from './shutdown';
import { WorkerModule } from './worker.module';

/**
 * Worker entry: no API routes; it listens on WORKER_HEALTH_PORT only so that orchestrators can
 * probe /health/live and /health/ready. SIGTERM closes it cleanly (src/shutdown.ts).
 */
async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config),
    new FastifyAdapter({
      return503OnClosing: true,
      frameworkErrors: frameworkErrorHandler(config),
    }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(PinoLogger));
  app.useGlobalFilters(new ProblemFilter(config));
  // pattern:telemetry:begin
  closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS, () => telemetry.shutdown());
  // pattern:telemetry:else
  // closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS);
  // pattern:telemetry:end
  await app.listen({ host: config.env.HOST, port: config.env.WORKER_HEALTH_PORT });
  new Logger('Worker').log(`worker ${config.env.INSTANCE_ID} ready`);
}

void main();
