// Three tiers (STYLE.md): small tests beside the code, medium tests against a real PostgreSQL,
// e2e tests through HTTP. NestJS 12 ships ESM only, so @swc/jest also transforms those packages.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const base = {
  // onnxruntime-node checks typed arrays with instanceof across realms: every test that may load
  // the model (any test that starts the app) shares Node's typed-array constructors.
  testEnvironment: '<rootDir>/test/support/native-arrays-environment.ts',
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|file-type|uid|strtok3|token-types|@tokenizer|openid-client|oauth4webapi|jose)/)',
  ],
  moduleNameMapper: {
    '^src/(.*)$': '<rootDir>/src/$1',
    '^test/(.*)$': '<rootDir>/test/$1',
    '^training/(.*)$': '<rootDir>/training/$1',
  },
  rootDir: __dirname,
};

module.exports = {
  // Always run test files in a worker process, recycled when it holds more than this after a
  // file: on a 2-core machine Jest would otherwise run every file inside its main process, where
  // the loaded models and apps of ~90 files add up past the heap limit, and where a busy event
  // loop stops draining the embedded PostgreSQL's log pipe (its connections then time out).
  workerIdleMemoryLimit: '1GB',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  projects: [
    {
      ...base,
      displayName: 'small',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/training/**/*.spec.ts'],
    },
    {
      ...base,
      // test/medium/standalone/: medium tests that use no database or queue (CI's production
      // path skips them, see .ci/run).
      displayName: 'medium',
      testMatch: ['<rootDir>/test/medium/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeout.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeout.ts'],
    },
  ],
};
