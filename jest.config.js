// Two tiers of one jest run (docs/CONVENTIONS.md "Tests"): `unit` holds the pure and in-memory
// specs beside the code they test (no Kafka, no PostgreSQL; `npm run test:unit` runs them alone),
// `integration` the suites in test/ that use the real Kafka broker and PostgreSQL.
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

const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@flowline/(.*)$': '<rootDir>/libs/$1/src' },
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/services/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      setupFilesAfterEnv: ['<rootDir>/test/support/service-logs.js'],
    },
  ],
  testTimeout: 180_000,
  // Kafka suites share one broker and two cores: one file at a time keeps them from starving
  // each other (and keeps timings honest). Unit specs are fast enough not to mind.
  maxWorkers: 1,
  // The closing-line reporter prints the run's last line (see its comment).
  reporters: [
    'default',
    '<rootDir>/test/support/service-log-reporter.js',
    '<rootDir>/test/support/closing-line-reporter.js',
  ],
};
