// pattern:cache,read-replicas,queue,rate-limit,shedding:begin
// Toggles switch patterns: with none left there is none to flip, and the suite goes too.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { pollUntil } from '../helpers/poll';
import { ANY_TOGGLE } from '../helpers/toggles';

const ADMIN_KEY = 'admin-key-for-the-toggles-suite';

// The suite tests the mechanism, so any toggle this tree has serves.
const TOGGLE = ANY_TOGGLE;

describe('runtime toggles across instances', () => {
  let a: Instance;
  let b: Instance;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  const stateOn = async (instance: Instance, name: string) => {
    const res = await request(instance.adminUrl).get('/v1/admin/toggles').set(admin).expect(200);
    return res.body.toggles.find((t: { name: string }) => t.name === name);
  };

  beforeAll(async () => {
    // Keys of its own, so the suite never flips the toggles of a demo using the same Redis.
    const TOGGLES_KEY_PREFIX = `test:toggles:${randomUUID()}`;
    [a, b] = await startInstances(2, {
      ADMIN_API_KEY: ADMIN_KEY,
      [TOGGLE]: 'on',
      TOGGLES_KEY_PREFIX,
    });
    await request(a.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ [TOGGLE]: null })
      .expect(200);
  });
  afterAll(async () => {
    await request(a.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ [TOGGLE]: null });
    await stopAll([a, b]);
  });

  it('starts from the configured values', async () => {
    expect(await stateOn(b, TOGGLE)).toEqual({ name: TOGGLE, on: true, source: 'config' });
  });

  it('follows a flip made on another instance within a second', async () => {
    await request(a.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ [TOGGLE]: false })
      .expect(200);
    const flippedAt = Date.now();
    await pollUntil(async () => (await stateOn(b, TOGGLE)).on === false, {
      timeoutMs: 1000,
      what: `instance B to see ${TOGGLE}=off`,
    });
    expect(Date.now() - flippedAt).toBeLessThan(1000);
    expect(await stateOn(b, TOGGLE)).toMatchObject({ source: 'runtime' });
  });

  // pattern:telemetry:begin
  it('exports the toggle state as a metric', async () => {
    await pollUntil(
      async () => {
        const res = await request(b.adminUrl).get('/metrics').expect(200);
        return new RegExp(`docscale_toggle_state\\{[^}]*toggle="${TOGGLE}"[^}]*\\} 0`).test(
          res.text,
        );
      },
      { timeoutMs: 3000, what: 'the toggle gauge to read 0' },
    );
  });
  // pattern:telemetry:end

  it('returns to the configured value when the override is removed', async () => {
    await request(b.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ [TOGGLE]: null })
      .expect(200);
    await pollUntil(async () => (await stateOn(a, TOGGLE)).source === 'config', {
      timeoutMs: 1000,
      what: 'instance A to drop the override',
    });
    expect((await stateOn(a, TOGGLE)).on).toBe(true);
  });

  it('refuses unknown toggles and non-boolean values with 400', async () => {
    const unknown = await request(a.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ WARP_DRIVE: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.type).toBe('/problems/validation-failed');
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'WARP_DRIVE' })]);
    const bad = await request(a.adminUrl)
      .patch('/v1/admin/toggles')
      .set(admin)
      .send({ [TOGGLE]: 'off' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: TOGGLE })]);
  });

  it('refuses a tenant key or no key on the admin endpoint', async () => {
    const none = await request(a.adminUrl).get('/v1/admin/toggles');
    expect(none.status).toBe(401);
    const wrong = await request(a.adminUrl)
      .get('/v1/admin/toggles')
      .set('Authorization', 'Bearer dsk_x');
    expect(wrong.status).toBe(401);
    expect(wrong.body.type).toBe('/problems/invalid-admin-key');
  });
});
// pattern:cache,read-replicas,queue,rate-limit,shedding:end
