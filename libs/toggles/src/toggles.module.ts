import { Global, Module } from '@nestjs/common';
import { ConfigurableTogglesModule } from './toggles.module-definition';
import { Toggles } from './toggles';

@Global()
@Module({ providers: [Toggles], exports: [Toggles] })
export class TogglesModule extends ConfigurableTogglesModule {}
