import { PatternManifest } from '../pattern-manifest';

export const shedding: PatternManifest = {
  name: 'shedding',
  summary: 'TODO',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
