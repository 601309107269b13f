// @ts-check
const eslint = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * Import boundaries (STYLE.md): dependencies point one way, server → domain, ingest, metrics,
 * push → cache, db → config. Each entry forbids a layer from importing one above it.
 */
const boundaries = [
  { layer: 'domain', forbidden: ['server'] },
  { layer: 'metrics', forbidden: ['server'] },
  { layer: 'ingest', forbidden: ['server'] },
  { layer: 'push', forbidden: ['server'] },
  { layer: 'context', forbidden: ['server'] },
  { layer: 'live', forbidden: ['server'] },
  { layer: 'db', forbidden: ['domain', 'server', 'metrics', 'ingest'] },
  { layer: 'cache', forbidden: ['metrics', 'domain', 'server', 'ingest'] },
  { layer: 'config', forbidden: ['domain', 'server', 'metrics', 'ingest', 'db', 'cache'] },
  { layer: 'shared', forbidden: ['domain', 'server', 'metrics', 'ingest', 'db', 'cache'] },
  { layer: 'signals', forbidden: ['server'] },
];

const boundaryRules = boundaries.map(({ layer, forbidden }) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((target) => ({
          group: [`**/${target}`, `**/${target}/**`],
          message: `src/${layer} must not import from src/${target}: dependencies point server → domain, ingest, metrics → cache, db → config.`,
        })),
      },
    ],
  },
}));

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', '*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaryRules,
  // The bench's PostGraphile peer runs as plain CommonJS from its own install (bench/api.ts).
  {
    files: ['bench/peers/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', Promise: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Loaded with `node -r` by test child processes before any TypeScript support exists.
  {
    files: ['test/support/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { ignores: ['.bench/'] },
);
