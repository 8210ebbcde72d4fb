/** The seven patterns a template user can remove, one manifest file each. */
import { PatternManifest, PatternName } from '../pattern-manifest';
import { breakers } from './breakers';
import { cache } from './cache';
import { queue } from './queue';
import { rateLimit } from './rate-limit';
import { readReplicas } from './read-replicas';
import { shedding } from './shedding';
import { telemetry } from './telemetry';

export const MANIFESTS: Record<PatternName, PatternManifest> = {
  cache,
  queue,
  'read-replicas': readReplicas,
  'rate-limit': rateLimit,
  breakers,
  shedding,
  telemetry,
};
