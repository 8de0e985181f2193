import type { Config } from 'jest';

// Lib aliases, mirrored from tsconfig.json paths.
const moduleNameMapper = {
  '^@app/(common|config|database|audit|health|cache|observability|identity|calendar|assistant|security|backup|webhooks)$':
    '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.(t|j)s$': '@swc/jest' };

const config: Config = {
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      moduleFileExtensions: ['js', 'json', 'ts'],
      rootDir: '.',
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      // Integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts) tests share one FerretDB and one
      // Redis per run, started by the global setup; each file uses its own database and key prefix.
      displayName: 'e2e',
      testEnvironment: 'node',
      moduleFileExtensions: ['js', 'json', 'ts'],
      rootDir: '.',
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.{int,e2e}-spec.ts'],
      transform,
      moduleNameMapper,
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};

export default config;
