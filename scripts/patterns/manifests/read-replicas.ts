import { PatternManifest } from '../pattern-manifest';

export const readReplicas: PatternManifest = {
  name: 'read-replicas',
  summary: 'TODO (helper E2)',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
