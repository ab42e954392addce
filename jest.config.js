// Jest in ESM mode (Nest 12 is ESM-only): run through `node --experimental-vm-modules`.
// @swc/jest only transpiles; `npm run typecheck` type-checks.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2023',
      keepClassNames: true,
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'es6' },
  },
];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@aisle/sdk/testing$': '<rootDir>/libs/sdk/src/testing/index.ts',
    '^@aisle/persistence/embedded$': '<rootDir>/libs/persistence/src/embedded-start.ts',
    '^@aisle/(sdk|ingest|persistence|policy|localisation|aggregation|webhooks|occupancy)$': '<rootDir>/libs/$1/src/index.ts',
    '^@aisle/hardware$': '<rootDir>/hardware/src/index.ts',
    '^@aisle/core/plugins$': '<rootDir>/apps/core/src/plugins/index.ts',
    '^@aisle/core$': '<rootDir>/apps/core/src/bootstrap.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/test/**/*.e2e.ts', '<rootDir>/test/**/*.int.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/fixtures/'],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  setupFiles: ['<rootDir>/test/setup/env.mjs'],
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.mjs'],
};
