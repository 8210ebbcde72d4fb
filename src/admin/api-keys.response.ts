import { ApiProperty } from '@nestjs/swagger';
import type { ApiKeyInfo, ApiKeyState, IssuedApiKey } from '../tenants/api-keys.repository';

const UUID = { type: String, format: 'uuid' } as const;
const TIMESTAMP = { type: String, format: 'date-time', description: 'RFC 3339 in UTC.' } as const;
const STATES: ApiKeyState[] = ['active', 'expiring', 'expired', 'revoked'];

/** A key as listings show it: never the key itself, never its digest. */
export class ApiKeyResponse {
  @ApiProperty(UUID)
  id!: string;

  @ApiProperty({
    type: String,
    example: 'dsk_Ab3xY9',
    description: "The key's first characters, to tell keys apart.",
  })
  prefix!: string;

  @ApiProperty({
    enum: STATES,
    description:
      '`active`; `expiring` once rotated (it works until `expiresAt`); `expired`; `revoked`.',
  })
  state!: ApiKeyState;

  @ApiProperty(TIMESTAMP)
  createdAt!: string;

  @ApiProperty({
    ...TIMESTAMP,
    nullable: true,
    description: 'Coarse: up to AUTH_LAST_USED_INTERVAL_MS (1 min) behind; null if never used.',
  })
  lastUsedAt!: string | null;

  @ApiProperty({ ...TIMESTAMP, nullable: true, description: 'When a rotated key stops working.' })
  expiresAt!: string | null;

  @ApiProperty({ ...TIMESTAMP, nullable: true })
  revokedAt!: string | null;

  static of(info: ApiKeyInfo): ApiKeyResponse {
    return {
      id: info.id,
      prefix: info.prefix,
      state: info.state,
      createdAt: info.createdAt.toISOString(),
      lastUsedAt: info.lastUsedAt?.toISOString() ?? null,
      expiresAt: info.expiresAt?.toISOString() ?? null,
      revokedAt: info.revokedAt?.toISOString() ?? null,
    };
  }
}

export class ApiKeyList {
  @ApiProperty({ type: () => [ApiKeyResponse], description: 'Oldest first, revoked ones too.' })
  keys!: ApiKeyResponse[];
}

/** A key just created: the only time the key itself is shown. */
export class IssuedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    type: String,
    pattern: '^dsk_[A-Za-z0-9_-]{43}$',
    description: 'The key, shown this once: only its SHA-256 digest is stored.',
  })
  key!: string;

  static issued({ key, info }: IssuedApiKey): IssuedApiKeyResponse {
    return { ...ApiKeyResponse.of(info), key };
  }
}

export class ReplacedApiKey {
  @ApiProperty(UUID)
  id!: string;

  @ApiProperty({ ...TIMESTAMP, description: 'When the replaced key stops working.' })
  expiresAt!: string;
}

/** A rotation: the new key, and when the one it replaces stops working. */
export class RotatedApiKeyResponse extends IssuedApiKeyResponse {
  @ApiProperty({ type: () => ReplacedApiKey })
  replaced!: ReplacedApiKey;
}
