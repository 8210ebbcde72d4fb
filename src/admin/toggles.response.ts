import { ApiProperty } from '@nestjs/swagger';

/** One toggle's state (the toggles lib's ToggleState), as the admin API shows it. */
export class ToggleStateResponse {
  @ApiProperty({ type: String, example: 'CACHE_L1' })
  name!: string;

  @ApiProperty({ type: Boolean })
  on!: boolean;

  @ApiProperty({
    enum: ['config', 'runtime'],
    description: '`runtime` when an override set through the admin API is in force.',
  })
  source!: 'config' | 'runtime';
}

export class ToggleList {
  @ApiProperty({ type: () => [ToggleStateResponse] })
  toggles!: ToggleStateResponse[];
}
