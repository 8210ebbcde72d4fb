import { PatternManifest } from '../pattern-manifest';

export const cache: PatternManifest = {
  name: 'cache',
  summary: 'TODO (helper E2)',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
