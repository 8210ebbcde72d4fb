export { TogglesModule } from './toggles.module';
export { Toggles, UnknownToggleError, TogglesUnavailableError } from './toggles';
export type { ToggleState } from './toggles';
export type { TogglesOptions } from './toggles.options';
export { togglesConfig, togglesOptionsFrom } from './toggles.config';
