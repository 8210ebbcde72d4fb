/**
 * The first module each entry point loads: reads and validates the configuration, then (with the
 * telemetry pattern) starts OpenTelemetry before Nest, pg or ioredis are required (instrumentation
 * patches them on load).
 * A configuration error stops the process here, with a message naming each bad variable.
 */
import { startTelemetry, telemetryOptionsFrom } from '@docscale/telemetry'; // pattern:telemetry
import { AppConfig, ConfigError } from './config';

function loadOrExit(): AppConfig {
  try {
    return AppConfig.load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export const config = loadOrExit();

// pattern:telemetry:begin
export const telemetry = startTelemetry(
  telemetryOptionsFrom(config.env, { trustProxy: config.env.TRUST_PROXY, service: config.service }),
);
// pattern:telemetry:end
