import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TelemetryHandle } from './telemetry-handle';

/** Options of {@link TelemetryModule}. */
export interface TelemetryModuleOptions {
  /**
   * The running telemetry, as returned by `startTelemetry()` in the preload.
   * @defaultValue currentTelemetry(): the one started in this process, else telemetry off
   */
  telemetry?: TelemetryHandle;
}

export const {
  ConfigurableModuleClass: ConfigurableTelemetryModule,
  MODULE_OPTIONS_TOKEN: TELEMETRY_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<TelemetryModuleOptions>().setClassMethodName('forRoot').build();
