// pattern:telemetry:begin
import { config, telemetry } from './instrument'; // first: telemetry must start before anything it patches loads
// pattern:telemetry:else
// import { config } from './instrument'; // first: a bad configuration stops the process before anything starts
// pattern:telemetry:end
import { createApp } from './app.factory';
import { OperatorListener } from './operator-listener';
import { closeOnSignals } from './shutdown';

async function main(): Promise<void> {
  const app = await createApp(config);
  // pattern:telemetry:begin
  const operator = new OperatorListener(app, config, telemetry);
  // pattern:telemetry:else
  // const operator = new OperatorListener(app, config);
  // pattern:telemetry:end
  // pattern:telemetry:begin
  closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS, () => telemetry.shutdown());
  // pattern:telemetry:else
  // closeOnSignals(app, config.env.SHUTDOWN_TIMEOUT_MS);
  // pattern:telemetry:end
  // The operator listener first: once the public port answers /health/ready (what scripts and
  // orchestrators wait for), the operator plane answers too.
  await app.init();
  await operator.listen();
  await app.listen({ host: config.env.HOST, port: config.env.PORT });
}

void main();
