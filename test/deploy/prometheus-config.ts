/**
 * docker/prometheus/prometheus.yml, parsed once (read by the compose-telemetry and the dashboard
 * suites). Goes with the telemetry pattern, as docker/prometheus does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DOCKER } from './repo';

export interface PrometheusConfig {
  rule_files?: string[];
  alerting?: { alertmanagers: { static_configs?: { targets: string[] }[] }[] };
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
