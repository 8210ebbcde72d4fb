/**
 * package.json, found from wherever the code runs: src/ under ts-jest, dist/ when built, /app in
 * the image (docker/Dockerfile copies package.json there). Its version is the service's
 * (`service.version` in telemetry, the OpenAPI document's); `npm run template:init` renames the
 * service but keeps it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (where package.json is): two folders up from src/config, three from dist/. */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

export function packageJson(): { version: string; license: string } {
  return JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
}
