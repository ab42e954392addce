import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Stage folders of apps/core/src, in data-flow order. */
const STAGES = [
  'ingest',
  'localisation',
  'aggregation',
  'occupancy',
  'webhooks',
  'policy',
  'retention',
];
/** What each folder may import of the stages (besides stores/, contracts/ and events/). */
const STAGE_IMPORTS = {
  stores: [],
  contracts: [],
  events: [],
  ingest: [],
  localisation: ['ingest'],
  aggregation: ['localisation'],
  occupancy: [],
  webhooks: [],
  policy: [],
  retention: ['ingest'],
};

const NO_DATA_SOURCE = {
  name: 'typeorm',
  message: "Inject the stage's service; SQL lives in libs/persistence.",
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'data/**',
      'bench-results/**',
      'coverage/**',
      'test/bench/.out/**',
    ],
  },
  js.configs.recommended,
  {
    // Plain-JavaScript plugin fixtures (`aisle plugins check` cases) run on Node.
    files: ['test/fixtures/**/*.js'],
    languageOptions: {
      globals: { AbortController: 'readonly', URL: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    // The web console (browser code, its own tsconfig).
    files: ['apps/console/src/**/*.tsx'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plugins see the SDK and nothing else of Aisle.
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@aisle/(?!sdk(/testing)?$)',
              message: 'Plugins may import only @aisle/sdk (and @aisle/sdk/testing in tests).',
            },
            { regex: '^(\\.\\./){2,}', message: 'Plugins may not reach outside their own folder.' },
          ],
        },
      ],
    },
  },
  {
    // Pure maths and the SDK do not depend on Nest or the database.
    files: [
      'libs/sdk/**/*.ts',
      'libs/ingest/**/*.ts',
      'libs/policy/**/*.ts',
      'libs/localisation/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@nestjs/|typeorm|pg$|@aisle/(core|persistence|hardware))',
              message: 'Keep this lib free of Nest, the database and hardware.',
            },
          ],
        },
      ],
    },
  },
  {
    // The aggregation maths: no Nest, no database, no hardware (time is an argument).
    files: ['libs/aggregation/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@nestjs/|typeorm|pg$|@aisle/(core|persistence|hardware))',
              message: 'Keep the aggregation maths free of Nest, the database and hardware.',
            },
          ],
        },
      ],
    },
  },
  {
    // Controllers inject their stage's service, never the database.
    files: ['apps/core/src/**/*.controller.ts'],
    ignores: ['apps/core/src/health/health.controller.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_DATA_SOURCE] }] },
  },
  // The hub's stages (apps/core/src/<stage>/): data flows one way, ingest → localisation →
  // aggregation → events → policy/webhooks. A stage sees the store directory (stores/), the
  // hand-off contracts (contracts/), the bus (events/) and the stage before it, nothing later.
  // (Flat config: the last matching entry sets the rule, so controllers get both restrictions.)
  ...Object.entries(STAGE_IMPORTS).flatMap(([stage, allowed]) => {
    const patterns = [
      {
        regex: `^(\\.\\./)+(${STAGES.filter((s) => s !== stage && !allowed.includes(s)).join('|')})/`,
        message: `The ${stage} stage may import only ${['stores', 'contracts', 'events', ...allowed].join(', ')} of the other stage folders (one-way data flow).`,
      },
    ];
    return [
      {
        files: [`apps/core/src/${stage}/**/*.ts`],
        ignores: ['**/*.spec.ts'],
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      },
      {
        files: [`apps/core/src/${stage}/**/*.controller.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns, paths: [NO_DATA_SOURCE] }] },
      },
    ];
  }),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        sessionStorage: 'readonly',
      },
    },
  },
);
