import { Toggles, ToggleState } from '@docscale/toggles';
import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '../problems/problem.errors';
import { AdminKeyGuard } from './admin-key.guard';
import type { SetTogglesBody } from './set-toggles.dto';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin/toggles', version: '1' })
export class TogglesController {
  constructor(private readonly toggles: Toggles) {}

  @Get()
  list(): { toggles: ToggleState[] } {
    return { toggles: this.toggles.list() };
  }

  /** Changes toggles on every instance (they follow within TOGGLE_SYNC_INTERVAL_MS). */
  @Patch()
  async set(@Body() body: SetTogglesBody): Promise<{ toggles: ToggleState[] }> {
    const bad = Object.entries(body ?? {}).filter(([, v]) => v !== null && typeof v !== 'boolean');
    if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.keys(body).length) {
      throw new ValidationError([
        { field: '(body)', reason: 'must map toggle names to true, false or null' },
      ]);
    }
    if (bad.length) {
      throw new ValidationError(
        bad.map(([field]) => ({ field, reason: 'must be true, false or null' })),
      );
    }
    return { toggles: await this.toggles.set(body) };
  }
}
