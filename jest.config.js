// One jest run for every tier (STYLE.md "Tests"): unit specs beside the code they test, and the
// integration and end-to-end suites in test/, which use the real Kafka broker and PostgreSQL.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@flowline/(.*)$': '<rootDir>/libs/$1/src' },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/services/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 180_000,
  // Kafka suites share one broker and two cores: one file at a time keeps them from starving
  // each other (and keeps timings honest). Unit specs are fast enough not to mind.
  maxWorkers: 1,
};
