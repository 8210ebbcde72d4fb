/**
 * The Postgres primary of docker/compose.yaml, checked without a container engine (its replica:
 * compose-replica.spec.ts).
 */
import { services } from './compose';

describe('docker/compose.yaml: Postgres', () => {
  it('checks the primary over TCP, not the socket the image initialises it on', () => {
    const test = services.primary.healthcheck?.test as string[];
    expect(test.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(test.join(' ')).toMatch(/ -h 127\.0\.0\.1 /);
  });
});
