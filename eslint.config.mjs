// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const TS_FILES = ['**/*.ts'];
const JS_FILES = ['**/*.{js,cjs,mjs}'];
const TEST_FILES = ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'];

// Shared so that a later config object re-declaring the same rule keeps the earlier entries
// (flat config replaces a rule's options wholesale, it does not merge them).
const NO_PROCESS_ENV = {
  object: 'process',
  property: 'env',
  message: 'Read configuration through AppConfig; only src/config/env.schema.ts reads process.env.',
};

const DOMAIN_IMPURE_MODULES = {
  group: [
    '@nestjs/*',
    'typeorm',
    'typeorm/*',
    'bullmq',
    'bullmq/*',
    'ioredis',
    'ioredis/*',
    'pg',
    'pg/*',
    'crypto',
    'node:crypto',
    'uuid',
    'process',
    'node:process',
  ],
  message:
    'domain/ stays pure: no framework, persistence, queue, crypto or id-generation imports. Pass ids and time in through the command.',
};

/** Node's CommonJS globals for the few plain-JS config and script files. */
const NODE_GLOBALS = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
};

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.data/']),

  js.configs.recommended,

  // TypeScript: type-aware.
  {
    files: TS_FILES,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        // Nest's DI reads constructor parameter types from decorator metadata, so those imports
        // must stay value imports: with these two set, consistent-type-imports leaves files that
        // contain decorators alone. (They are also inferred from tsconfig.json; stated for clarity.)
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      'no-restricted-properties': ['error', NO_PROCESS_ENV],
    },
  },

  // The service logs through pino (src/logging); only start-up failures before the logger exists
  // and the command-line tools write to the console's error stream.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': ['error', { allow: ['error'] }],
    },
  },

  // Tests poke at untyped JSON responses.
  {
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // The one reader of process.env, plus code that is not the application.
  {
    files: [
      'src/config/env.schema.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'libs/testing/**/*.ts',
      'scripts/**/*.ts',
    ],
    rules: {
      'no-restricted-properties': 'off',
    },
  },

  // domain/ is pure: no framework, I/O, clocks or randomness.
  {
    files: ['**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [DOMAIN_IMPURE_MODULES] }],
      'no-restricted-properties': [
        'error',
        NO_PROCESS_ENV,
        { object: 'Date', property: 'now', message: 'domain/ takes the time from the command.' },
        { object: 'Math', property: 'random', message: 'domain/ is deterministic; pass randomness in.' },
        { object: 'globalThis', property: 'process', message: 'domain/ does not touch the process.' },
        { object: 'globalThis', property: 'crypto', message: 'domain/ does not generate ids.' },
        { object: 'performance', property: 'now', message: 'domain/ takes the time from the command.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'domain/ does not touch the process (env, exit, hrtime).' },
        { name: 'crypto', message: 'domain/ does not generate ids; pass them in.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'domain/ takes the time from the command: new Date() reads the clock.',
        },
        {
          selector: "CallExpression[callee.type='Identifier'][callee.name='Date']",
          message: 'domain/ takes the time from the command: Date() reads the clock.',
        },
        {
          selector: 'ImportExpression',
          message: 'domain/ has no dynamic imports.',
        },
      ],
    },
  },

  // Plain JavaScript (this file, jest.config.cjs, scripts/*.cjs): no type information.
  {
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: NODE_GLOBALS,
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
