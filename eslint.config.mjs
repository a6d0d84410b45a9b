// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const GAPS =
  'FerretDB 1.24, the embedded database, lacks or miscomputes it (docs/architecture.md, "The embedded database")';
const key = (pattern) => [
  `Property > Literal.key[value=${pattern}]`,
  `Property > Identifier.key[name=${pattern}]`,
];
const EMBEDDED_DATABASE_GAPS = [
  ...key('/^\\$(avg|lookup|graphLookup)$/').map((selector) => ({
    selector,
    message: `$avg, $lookup and $graphLookup: ${GAPS}; countAndSumBy/averageOf (src/database/group-by.ts) or a second query instead.`,
  })),
  ...["Property[key.value='$group']", "Property[key.name='$group']"].map((group) => ({
    selector: `${group} > ObjectExpression.value[properties.length>2]`,
    message: `A $group with several accumulators: ${GAPS}, 0 for all but the first; one $group per accumulator (countAndSumBy).`,
  })),
  ...key('expireAfterSeconds').map((selector) => ({
    selector,
    message: `A TTL index: ${GAPS}; delete expired documents yourself where it is missing.`,
  })),
  {
    selector: "CallExpression[callee.property.name='watch']",
    message: `Change streams: ${GAPS}.`,
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'examples/web/dist/**',
      'examples/web/src/gql/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['test/**', 'scripts/**', 'bench/**', 'src/**/*.cli.ts'],
    rules: { 'no-console': 'off' },
  },
  // MongoDB features the embedded database (FerretDB 1.24) lacks or answers wrongly, without an
  // error: docs/architecture.md, "The embedded database", says what to use instead.
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...EMBEDDED_DATABASE_GAPS] },
  },
  {
    // The rate-limit counters' TTL index, created where the server has them; elsewhere the
    // service deletes expired counters itself.
    files: [
      'src/rate-limits/mongo-counter-collection.ts',
      'src/migrations/2026-12-03-01-initial-indexes.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  // Tests read untyped GraphQL JSON answers.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
