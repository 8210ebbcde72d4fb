import {
  Toggles,
  ToggleState,
  TogglesUnavailableError,
  UnknownToggleError,
} from '@docscale/toggles';
import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DependencyUnavailableError, ValidationError } from '../problems/problem.errors';
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
    const entries = Object.entries(body);
    if (!entries.length) {
      throw new ValidationError([
        { field: '(body)', reason: 'must map toggle names to true, false or null' },
      ]);
    }
    const bad = entries.filter(([, v]) => v !== null && typeof v !== 'boolean');
    if (bad.length) {
      throw new ValidationError(
        bad.map(([field]) => ({ field, reason: 'must be true, false or null' })),
      );
    }
    try {
      return { toggles: await this.toggles.set(body) };
    } catch (err) {
      throw translate(err);
    }
  }
}

/** The toggles lib's errors, in this app's terms (the lib stays deletable with this controller). */
function translate(err: unknown): unknown {
  if (err instanceof UnknownToggleError) {
    return new ValidationError(
      err.names.map((field) => ({
        field,
        reason: `is not a toggle; known toggles: ${err.known.join(', ')}`,
      })),
    );
  }
  if (err instanceof TogglesUnavailableError) return new DependencyUnavailableError('Redis');
  return err;
}
