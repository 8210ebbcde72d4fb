import { AppConfig } from '../config';
import type { ApiKeysRepository } from './api-keys.repository';
import { KeyUsage } from './key-usage';

const A = '0b7e3f5c-1d2a-4e6f-8a9b-0c1d2e3f4a5b';
const B = '6a1b2c3d-0000-4000-8000-000000000000';

function setUp(fail = false) {
  const writes: Map<string, Date>[] = [];
  let failing = fail;
  const repository = {
    recordUse: async (uses: ReadonlyMap<string, Date>) => {
      if (failing) throw new Error('primary down');
      writes.push(new Map(uses));
    },
  };
  const usage = new KeyUsage(
    repository as unknown as ApiKeysRepository,
    AppConfig.load({ AUTH_LAST_USED_INTERVAL_MS: '60000' }),
  );
  return { usage, writes, heal: () => (failing = false) };
}

describe('KeyUsage', () => {
  it('writes every key used since the last write in one statement, each once', async () => {
    const { usage, writes } = setUp();
    for (let i = 0; i < 100; i++) usage.used(i % 2 ? A : B);

    await usage.flush();

    expect(writes).toHaveLength(1);
    expect([...writes[0].keys()].sort()).toEqual([A, B].sort());
  });

  it('writes nothing when no key was used', async () => {
    const { usage, writes } = setUp();

    await usage.flush();

    expect(writes).toEqual([]);
  });

  it('keeps the uses of a failed write for the next one, without throwing', async () => {
    const { usage, writes, heal } = setUp(true);
    usage.used(A);

    await expect(usage.flush()).resolves.toBeUndefined();
    heal();
    await usage.flush();

    expect(writes.map((w) => [...w.keys()])).toEqual([[A]]);
  });
});
