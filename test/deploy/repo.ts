/**
 * What the deployables' tests share about the repository: where it is, the validators
 * scripts/stack.sh provides, and docker/prometheus/prometheus.yml (parsed once, read by the
 * compose and the dashboard suites).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '../..');
export const DOCKER = join(ROOT, 'docker');

/**
 * The path of a validator the tests run (`scripts/stack.sh tool-bin promtool|kubectl`: Debian's
 * package, installed when missing and root). The last line of its output is the path.
 */
export function toolBin(name: 'promtool' | 'kubectl'): string {
  const out = execFileSync('bash', [join(ROOT, 'scripts/stack.sh'), 'tool-bin', name], {
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop() ?? '';
}

export interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs: {
    job_name: string;
    metrics_path?: string;
    dns_sd_configs?: { names: string[]; type: string; port: number }[];
    static_configs?: { targets: string[] }[];
  }[];
}

export const prometheusConfig = parse(
  readFileSync(join(DOCKER, 'prometheus/prometheus.yml'), 'utf8'),
) as PrometheusConfig;
