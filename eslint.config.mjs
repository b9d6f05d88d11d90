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
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='only']",
          message: 'Focused tests hide the rest of the suite.',
        },
      ],
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
    rules: { 'no-restricted-imports': ['error', { patterns: [...LIBRARY_DOORS, NO_OTHER_SERVICE, NO_KAFKAJS] }] },
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
