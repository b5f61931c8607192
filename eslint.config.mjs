// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'jest.config.js',
      'eslint.config.mjs',
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
    files: ['src/verifier/**'],
    ignores: ['src/verifier/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!(node:(crypto|fs|path|util)|src/evidence-format/(canonical-json|merkle|checkpoint|ids)|src/verifier/[\\w.-]+|\\./[\\w.-]+|\\.\\./evidence-format/(canonical-json|merkle|checkpoint|ids))$)',
              message:
                'src/verifier/ imports only node:crypto, node:fs, node:path, node:util, src/evidence-format/ (canonical-json, merkle, checkpoint, ids) and its own files.',
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
