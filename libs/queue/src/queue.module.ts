import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue';
import { JobWorker } from './job-worker';
import { OutboxRelay } from './outbox-relay';
import { ConfigurableQueueModule } from './queue.module-definition';
import { QueueTelemetry } from './queue-telemetry';

/**
 * The producer side (JobQueue) everywhere; the relay where `relay` is set; the worker where
 * `worker` is set (each starts nothing otherwise).
 */
@Global()
@Module({
  providers: [JobQueue, OutboxRelay, JobWorker, QueueTelemetry],
  exports: [JobQueue, OutboxRelay],
})
export class QueueModule extends ConfigurableQueueModule {}
