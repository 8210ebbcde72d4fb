import { PatternManifest } from '../pattern-manifest';

export const queue: PatternManifest = {
  name: 'queue',
  summary: 'TODO (helper E2)',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
