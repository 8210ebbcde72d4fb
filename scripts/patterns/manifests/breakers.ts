import { PatternManifest } from '../pattern-manifest';

export const breakers: PatternManifest = {
  name: 'breakers',
  summary: 'TODO',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
