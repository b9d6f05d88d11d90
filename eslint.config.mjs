// ESLint flat config: typescript-eslint's recommended type-aware rules for services, libs and
// tests, the recommended rules for the JavaScript files (scripts, jest support, this file), and
// the boundaries between services and libraries; formatting is Prettier's job, so no stylistic
// rules here.
import tseslint from 'typescript-eslint';

const SERVICES = ['api', 'ingest', 'flow-evaluator', 'sequence-detector', 'mapper', 'dispatcher', 'cluster'];
const LIBRARIES = [
  'config',
  'contracts',
  'db',
  'delivery',
  'kafka',
  'mapping',
  'matching',
  'observability',
  'runtime',
  'secrets',
  'testing',
];

/** Imports every file obeys: a library is reached through its alias and its index only. */
const LIBRARY_DOORS = [
  {
    regex: '^@flowline/[^/]+/.+',
    message: 'Import a library through its public door (@flowline/<name>), not its internals.',
  },
  {
    regex: `(^|/)(${LIBRARIES.join('|')})/src(/|$)`,
    message: 'Import a library through its alias (@flowline/<name>), not a relative path.',
  },
];

/** Services are separate applications: one never imports another's code (the cluster composes their modules). */
const NO_OTHER_SERVICE = {
  regex: `(^|/)(${SERVICES.join('|')})/src(/|$)`,
  message: 'A service does not import another service; move shared code into a library.',
};

/** libs/kafka is the one door to kafkajs; tests and their helpers (libs/testing) use it as an outsider would. */
const NO_KAFKAJS = {
  regex: '^kafkajs(/|$)',
  message: 'Reach Kafka through @flowline/kafka (the consumer runner, producer, bounded reads), not kafkajs.',
};

/**
 * One way to the database (docs/decisions/0024): a service injects the repositories of
 * @flowline/db (DatabaseModule provides each by its class); the data source, TypeORM and SQL stay
 * in the library.
 */
const NO_TYPEORM = {
  regex: '^typeorm(/|$)',
  message: 'Inject a repository of @flowline/db; TypeORM and SQL live in libs/db (decision 0024).',
};
const NO_DATA_SOURCE = {
  name: '@flowline/db',
  importNames: ['DataSource', 'EntityManager', 'createDataSource', 'PostgresDeliveryStore'],
  message: 'Inject a repository (or DeliveryStore) of @flowline/db by its class, not the data source (decision 0024).',
};
const FOCUSED_TESTS = {
  selector: "CallExpression[callee.property.name='only']",
  message: 'Focused tests hide the rest of the suite.',
};
/** `infrastructure.dataSource` and the like: the pool reached around the repositories. */
const NO_DATA_SOURCE_MEMBER = {
  selector: "MemberExpression[property.name='dataSource']",
  message: 'Inject a repository of @flowline/db instead of reaching the data source (decision 0024).',
};

const NODE_GLOBALS = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  process: 'readonly',
  console: 'readonly',
  __dirname: 'readonly',
  Buffer: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  expect: 'readonly',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/', '.local/', 'helm/'] },
  {
    // The console's TSX is checked against console/tsconfig.json (DOM, Preact's JSX).
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', FOCUSED_TESTS],
      'no-restricted-imports': ['error', { patterns: LIBRARY_DOORS }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...LIBRARY_DOORS,
            { regex: '(^|/)services/', message: 'A library never imports a service.' },
            NO_OTHER_SERVICE,
            NO_KAFKAJS,
          ],
        },
      ],
    },
  },
  {
    files: ['libs/kafka/**/*.ts', 'libs/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...LIBRARY_DOORS,
            { regex: '(^|/)services/', message: 'A library never imports a service.' },
            NO_OTHER_SERVICE,
          ],
        },
      ],
    },
  },
  {
    files: ['services/**/*.ts'],
    ignores: ['services/cluster/src/service-modules.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [NO_DATA_SOURCE], patterns: [...LIBRARY_DOORS, NO_OTHER_SERVICE, NO_KAFKAJS, NO_TYPEORM] },
      ],
      'no-restricted-syntax': ['error', FOCUSED_TESTS, NO_DATA_SOURCE_MEMBER],
    },
  },
  {
    // The exceptions to decision 0024, each a command that runs without a Nest application and so
    // without DatabaseModule: `migrate` applies the migrations before any service may start,
    // `retention` runs one pass and exits, and `demo` seeds its tenant's configuration before it
    // launches the services (which load it when they start). Each opens a short-lived data source
    // of its own, with a pool of one or two, and closes it before it returns.
    files: ['services/cluster/src/migrate.ts', 'services/cluster/src/retention.ts', 'services/cluster/src/demo.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...LIBRARY_DOORS, NO_OTHER_SERVICE, NO_KAFKAJS, NO_TYPEORM] }],
      'no-restricted-syntax': ['error', FOCUSED_TESTS],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
    // The core rules that catch mistakes (ESLint's own recommended set is a separate package).
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-unreachable': 'error',
      'no-dupe-keys': 'error',
      'no-constant-condition': 'error',
      'no-self-assign': 'error',
      eqeqeq: 'error',
    },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
