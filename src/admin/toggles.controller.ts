import {
  Toggles,
  ToggleState,
  TogglesUnavailableError,
  UnknownToggleError,
} from '@docscale/toggles';
import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblem } from '../openapi/api-responses';
import { DependencyUnavailableError, ValidationError } from '../problems/problem.errors';
import { AdminKeyGuard } from './admin-key.guard';
import { ApiOperatorPlane } from './api-operator-plane';
import type { SetTogglesBody } from './set-toggles.dto';
import { ToggleList } from './toggles.response';

@ApiOperatorPlane()
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin/toggles', version: '1' })
export class TogglesController {
  constructor(private readonly toggles: Toggles) {}

  @Get()
  @ApiOperation({ operationId: 'listToggles', summary: "Every toggle's state on this instance" })
  @ApiResponse({ status: 200, type: ToggleList })
  list(): { toggles: ToggleState[] } {
    return { toggles: this.toggles.list() };
  }

  /** Changes toggles on every instance (they follow within TOGGLE_SYNC_INTERVAL_MS). */
  @Patch()
  @ApiOperation({ operationId: 'setToggles', summary: 'Override toggles on every instance' })
  @ApiBody({
    description:
      'Toggle names to `true` or `false` (a runtime override on every instance), or `null` (back to the configured value).',
    schema: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'boolean', nullable: true },
      example: { CACHE_L1: false, QUEUE: null },
    },
  })
  @ApiResponse({ status: 200, type: ToggleList })
  @ApiProblem(400, ['validation-failed', 'malformed-body'])
  @ApiProblem(413)
  @ApiProblem(415)
  @ApiProblem(503, ['dependency-unavailable'])
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
