import { PatternManifest } from '../pattern-manifest';

export const telemetry: PatternManifest = {
  name: 'telemetry',
  summary: 'TODO',
  paths: [],
  dependencies: [],
  scripts: [],
  jsonKeys: [],
  afterwards: [],
  notes: [],
};
