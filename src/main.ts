import { config, telemetry } from './instrument'; // first: telemetry must start before anything it patches loads
import { createApp } from './app.factory';
import { OperatorListener } from './operator-listener';
import { closeOnSignals } from './shutdown';

async function main(): Promise<void> {
  const app = await createApp(config);
  const operator = new OperatorListener(app, config, telemetry);
  closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS, () => telemetry.shutdown());
  // The operator listener first: once the public port answers /health/ready (what scripts and
  // orchestrators wait for), the operator plane answers too.
  await app.init();
  await operator.listen();
  await app.listen({ host: config.env.HOST, port: config.env.PORT });
}

void main();
