import type { Config } from 'jest';

// Lib aliases, mirrored from tsconfig.json paths.
const moduleNameMapper = {
  '^@app/(common|config|database|audit|health|cache|observability|identity|calendar|assistant|security|backup|webhooks|mail)$':
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
      // Integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts) tests share one FerretDB per run,
      // started by the global setup, each file in its own database; each file gets a redis-server of
      // its own from the test environment.
      displayName: 'e2e',
      testEnvironment: '<rootDir>/test/setup/redis-environment.ts',
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
