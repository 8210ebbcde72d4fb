import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An API key, stored as its SHA-256 digest. Keys are 256 random bits, so a fast digest is enough:
 * slow password hashes (bcrypt, argon2) exist to protect low-entropy secrets, and would add
 * milliseconds to every request here for no gain.
 */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('bytea', { name: 'key_hash', unique: true })
  keyHash!: Buffer;

  /** The key's first characters, to tell keys apart in listings without storing them. */
  @Column('text')
  prefix!: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** When a rotated key stops working (the end of its overlap); null: until revoked. */
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  /** Coarse: at most AUTH_LAST_USED_INTERVAL_MS old per instance that served the key. */
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;
}
