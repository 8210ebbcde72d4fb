// Two projects: unit tests live beside the code; e2e and fault suites in test/ drive real
// processes against the real local stack (scripts/stack.sh), so they run one file at a time.
// Transpile only (tsconfig.json's isolatedModules: no type check per test file; `npm run lint`
// type-checks the whole tree once).
// ts-jest rather than @swc/jest: swc ships per-platform binaries the npm mirror here lacks, which
// leaves package-lock.json incomplete and `npm ci` failing.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const moduleNameMapper = {
  '^@docscale/([a-z-]+)$': '<rootDir>/libs/$1/src',
};
const common = { transform: { '^.+\\.ts$': tsJest }, moduleNameMapper, testEnvironment: 'node' };

module.exports = {
  // e2e suites start real processes; a hook may take longer than jest's default 5 s.
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/src', '<rootDir>/libs', '<rootDir>/scripts', '<rootDir>/migrations'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      // docker/ and k8s/ validated statically with real validators (no container engine runs here).
      ...common,
      displayName: 'deploy',
      roots: ['<rootDir>/test/deploy'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/helpers/contract.ts'],
      slowTestThreshold: 30,
    },
  ],
};
