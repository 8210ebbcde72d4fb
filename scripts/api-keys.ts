/**
 * `npm run key -- <create|list|revoke|rotate> <tenant> ...`: a tenant's API keys from a shell, the
 * same operations as the admin API (/v1/admin/tenants/{tenant}/keys) and the same SQL
 * (src/tenants/api-keys.repository.ts). A revocation or rotation is committed on the primary, then
 * published to every instance (Redis pub/sub, within 1 s); if Redis cannot be reached, the change
 * still holds and instances forget the key within AUTH_CACHE_TTL_MS. docs/api-keys.md.
 */
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { ApiKeyInfo, ApiKeysRepository } from '../src/tenants/api-keys.repository';
import { ApiKeysService } from '../src/tenants/api-keys.service';
import { KeyEvictions } from '../src/tenants/key-evictions';
import { exitWithUsage, parseCommandLine, UsageError } from './command-line';

const USAGE = `usage: npm run key -- create <tenant>
       npm run key -- list <tenant>
       npm run key -- revoke <tenant> <key id>
       npm run key -- rotate <tenant> <key id> --overlap-seconds <seconds>

create   prints a new key for the tenant (shown once)
list     the tenant's keys: id, prefix, state, created, last used (never the keys)
revoke   the key stops working on every instance within 1 s
rotate   prints a new key; the old one keeps working for --overlap-seconds, then stops`;

const ARITY: Record<string, number> = { create: 1, list: 1, revoke: 2, rotate: 2 };

async function run(command: string, args: string[], overlap: string | undefined): Promise<void> {
  const config = AppConfig.load();
  const client = new Client({ connectionString: config.env.DATABASE_PRIMARY_URL });
  const evictions = new KeyEvictions(config.env.REDIS_URL, config.env.REDIS_COMMAND_TIMEOUT_MS);
  const keys = new ApiKeysService(
    new ApiKeysRepository(async (sql, params) => (await client.query(sql, params)).rows),
    evictions,
  );
  await client.connect();
  try {
    const [tenant, id] = args;
    if (command === 'create') {
      const { key, info } = await keys.create(tenant);
      console.log(`key ${info.id} for ${tenant} (shown once): ${key}`);
    } else if (command === 'list') {
      printTable(await keys.list(tenant));
    } else if (command === 'revoke') {
      const { announced } = await keys.revoke(tenant, id);
      console.log(`revoked ${id}${announced ? ': refused on every instance within 1 s' : ''}`);
      if (!announced) warnUnannounced(config);
    } else {
      const { value, announced } = await keys.rotate(tenant, id, overlapSeconds(overlap));
      console.log(`key ${value.info.id} for ${tenant} (shown once): ${value.key}`);
      console.log(`${id} keeps working until ${value.replaced.expiresAt.toISOString()}`);
      if (!announced) warnUnannounced(config);
    }
  } finally {
    await client.end();
    await evictions.close();
  }
}

function overlapSeconds(text: string | undefined): number {
  if (text === undefined)
    throw new UsageError('rotate needs --overlap-seconds (0: the old key stops now)');
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--overlap-seconds ${text}: a whole number of seconds, 0 or more`);
  return n;
}

function warnUnannounced(config: AppConfig): void {
  console.warn(
    `Redis could not be told: instances that remember the key forget it within AUTH_CACHE_TTL_MS (${config.env.AUTH_CACHE_TTL_MS} ms)`,
  );
}

function printTable(keys: ApiKeyInfo[]): void {
  if (keys.length === 0) return console.log('no keys');
  const at = (d: Date | null) => d?.toISOString() ?? '-';
  console.table(
    keys.map((k) => ({
      id: k.id,
      prefix: k.prefix,
      state: k.state,
      created: at(k.createdAt),
      'last used': at(k.lastUsedAt),
      expires: at(k.expiresAt),
    })),
  );
}

if (require.main === module) {
  const { values, positionals } = parseCommandLine(USAGE, {
    'overlap-seconds': { type: 'string' },
  });
  const [command, ...args] = positionals;
  if (command === undefined) exitWithUsage(USAGE, 'which command?');
  if (!(command in ARITY)) exitWithUsage(USAGE, `unknown command "${command}"`);
  if (args.length !== ARITY[command]) {
    exitWithUsage(
      USAGE,
      `${command} takes ${ARITY[command] === 1 ? '<tenant>' : '<tenant> <key id>'}`,
    );
  }
  run(command, args, values['overlap-seconds']).catch((err: Error) => {
    if (err instanceof UsageError) exitWithUsage(USAGE, err.message);
    console.error(`${command} failed: ${err.message}`);
    process.exit(1);
  });
}
