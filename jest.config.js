// Unit tests live beside the code (*.spec.ts), the clients' under clients/ too; end-to-end tests in test/
// (*.e2e-spec.ts) run the real application against throwaway Redis servers and one PostgreSQL server per
// run, with a database per test Redis on it (test/support/postgres.global-setup.ts). The Swagger plugin runs here too, so /docs
// in tests is the document users get.
// openapi-backend, the API contract test's validator, requires @apidevtools/json-schema-ref-parser, which
// ships as ES modules only: Jest's CommonJS runtime can load it once ts-jest has compiled it to CommonJS
// (Jest loads ES modules from require() only on Node 24.9 and later).
const ESM_ONLY = ['@apidevtools/json-schema-ref-parser'];
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    { tsconfig: 'tsconfig.json', astTransformers: { before: ['<rootDir>/test/support/swagger-plugin.js'] } },
  ],
  [`/node_modules/(?:${ESM_ONLY.join('|')})/.+\\.js$`]: [
    'ts-jest',
    { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true } },
  ],
};
const common = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(?:${ESM_ONLY.join('|')})/)`],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/clients/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Node's environment, plus the answer to "has this test failed?" that a browser test's afterEach
      // needs for its screenshot (test/support/browser.ts).
      testEnvironment: '<rootDir>/test/support/failure-aware.environment.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/no-secret-leaks.ts'],
      // A project's own hooks: they run only when one of its tests does, so unit tests start no server.
      globalSetup: '<rootDir>/test/support/e2e.global-setup.ts',
      globalTeardown: '<rootDir>/test/support/postgres.global-teardown.ts',
    },
  ],
  // A global option in Jest 30 (ignored inside projects). Generous, since e2e tests wait on real
  // servers; a test that waits for a state polls with its own deadline.
  testTimeout: 30_000,
};
