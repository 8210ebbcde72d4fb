import { PatternManifest } from '../pattern-manifest';

export const rateLimit: PatternManifest = {
  name: 'rate-limit',
  summary: 'TODO',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
