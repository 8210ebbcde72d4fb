import { Module } from '@nestjs/common';
import { AdminKeyGuard } from './admin-key.guard';
import { TogglesController } from './toggles.controller';

@Module({ controllers: [TogglesController], providers: [AdminKeyGuard] })
export class AdminModule {}
