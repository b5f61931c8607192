// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layer order of src/ (DESIGN.md §8), lowest floor first. A folder imports only from folders
// on lower floors: none from its own floor, none from above, so no two folders can import each
// other. The entry points (src/*.ts and src/cli/) sit above every floor; the verifier and the
// training pipeline have rules of their own below.
const FLOORS = [
  ['config', 'evidence-format', 'charts'], // pure foundations (charts: SVG from vega-lite specs)
  ['database', 'queue', 'model-package'], // infrastructure
  ['common'], // domain errors, validation, logging (maps database failures to HTTP)
  ['access'], // roles, scopes, principal, the access decorators
  ['signing', 'model-runtime', 'jobs', 'artifacts'], // capabilities
  ['auth-events', 'text-keys'], // the access trail; the keys that wrap records' text keys
  ['tenants'],
  ['users', 'applications'],
  ['auth', 'log'], // identity, and the log (its own tables only)
  ['provisioning', 'policies'],
  ['records'], // the product's core
  ['reports'], // what people read: reports, explanation statements, evidence packages
  ['health', 'metrics', 'portal'], // what people open: the portal, health and metrics
];
const ENTRY_FILES = ['main', 'worker', 'bootstrap', 'app.module', 'http-app'];

/** One config per layered folder: imports of its own floor, higher floors and entry points fail. */
function layerRules() {
  return FLOORS.flatMap((floor, i) =>
    floor.map((folder) => {
      const above = FLOORS.slice(i)
        .flat()
        .filter((f) => f !== folder);
      return {
        files: [`src/${folder}/**/*.ts`],
        rules: {
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^src/(${above.join('|')})(/|$)`,
                  message: `src/${folder}/ is on floor ${i + 1} of the layer order (eslint.config.mjs FLOORS): it may import only folders on lower floors.`,
                },
                {
                  regex: `^src/((${ENTRY_FILES.join('|').replace('.', '\\.')})$|cli/)`,
                  message: 'Only the entry points import the entry points.',
                },
                {
                  regex: '^training(/|$)',
                  message: 'The service never imports the offline training pipeline.',
                },
                {
                  regex: '^\\.\\./',
                  message: "Import other folders by their absolute 'src/...' path.",
                },
              ],
            },
          ],
        },
      };
    }),
  );
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'jest.config.js',
      'eslint.config.mjs',
      // Compiled by test/e2e/typed-client.e2e-spec.ts against types generated at test time.
      'test/typed-client/**',
      // A plain ES module run by node in its own process (oidc-provider ships ESM only).
      'test/support/oidc-provider.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'onnxruntime-node',
              message: 'Only src/model-runtime/ may load the model runtime.',
            },
          ],
          patterns: [
            {
              regex: '^typeorm(/.*)?$',
              message: 'Only repositories, entities, src/database/ and migrations/ use TypeORM.',
            },
          ],
        },
      ],
    },
  },
  {
    // The portal's browser scripts: plain ES modules served as written, so linted as browser
    // JavaScript without the type-checked rules (they are not part of a TypeScript project).
    files: ['templates/portal/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        atob: 'readonly',
        btoa: 'readonly',
        TextEncoder: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
  },
  {
    // Where TypeORM belongs (STYLE.md): data access stays behind repositories.
    files: [
      'src/**/*.repository.ts',
      'src/**/*.entity.ts',
      'src/database/**',
      'migrations/**',
      'test/**',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/model-runtime/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The standalone verifier (docs/VERIFYING.md) must be auditable on its own: Node built-ins
    // and the pure modules it builds on, nothing from node_modules, no Nest, no database.
    // node:zlib inflates the entries of evidence packages, node:stream feeds its inflater a
    // package read from disk a mebibyte at a time (src/verifier/zip.ts); node:worker_threads
    // and node:os check a large package's lines on every core (src/verifier/line-pool.ts).
    files: ['src/verifier/**'],
    ignores: ['src/verifier/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!(node:(crypto|fs|os|path|stream|util|worker_threads|zlib)|src/evidence-format/[\\w.-]+|src/verifier/[\\w.-]+|\\./[\\w.-]+)$)',
              message:
                'src/verifier/ imports only node:crypto, node:fs, node:os, node:path, node:stream, node:util, node:worker_threads, node:zlib, the evidence format (src/evidence-format/) and its own files.',
            },
          ],
        },
      ],
    },
  },
  ...layerRules(),
  {
    // The training pipeline builds on the model package format and runs the exported graph
    // through the service's runtime; nothing else of the service.
    files: ['training/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^src/(?!(config|model-package|model-runtime|evidence-format)/)',
              message:
                'training/ imports from src/ only the configuration, the model package, the runtime and the evidence format.',
            },
          ],
        },
      ],
    },
  },
  {
    // The `bin` launchers are plain CommonJS outside the TypeScript project.
    files: ['bin/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read loosely typed HTTP bodies (supertest's `any`); the production code may not.
    files: ['test/**', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
