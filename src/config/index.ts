export { AppConfig, ConfigError } from './app-config';
export { ConfigModule } from './config.module';
export type { Env } from './config.schema';
export { configSchema } from './config.schema';
