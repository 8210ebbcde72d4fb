import { config, telemetry } from './instrument'; // first: telemetry must start before anything it patches loads
import { createApp } from './app.factory';
import { closeOnSignals } from './shutdown';

async function main(): Promise<void> {
  const app = await createApp(config);
  closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS, () => telemetry.shutdown());
  await app.listen({ host: config.env.HOST, port: config.env.PORT });
}

void main();
