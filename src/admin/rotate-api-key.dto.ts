import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

/** The longest overlap a rotation may give the old key: 30 days. */
export const MAX_OVERLAP_SECONDS = 30 * 24 * 3600;

export class RotateApiKeyDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_OVERLAP_SECONDS,
    example: 3600,
    description:
      'How long the old key keeps working, in seconds (0: it stops now), so clients can move to the new one.',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_OVERLAP_SECONDS)
  overlapSeconds!: number;
}
