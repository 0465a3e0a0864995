// ESLint flat config: typescript-eslint's recommended rules for the whole
// tree, and the layer boundaries the code is built on, so they cannot erode:
// routes reach the store only through use cases, and domain/ and crypto/ stay
// pure (no Node built-ins, no database, no HTTP framework), so they run
// unchanged in a browser and in the offline verifier.
import tseslint from 'typescript-eslint';

const impure = {
  patterns: [
    { group: ['node:*'], message: 'domain/ and crypto/ are pure: no Node built-ins.' },
    {
      group: ['pg', 'pg/*', 'kysely', 'kysely/*', 'fastify', 'fastify/*', '@fastify/*', '@electric-sql/*'],
      message: 'domain/ and crypto/ are pure: no database or HTTP.',
    },
    { group: ['**/db/*', '**/ledger/*', '**/routes/*', '**/platform/*'], message: 'domain/ and crypto/ depend on nothing impure.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', '.tap/', 'data/', 'dist/', 'public/', '**/*.min.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/db/*', 'pg', 'kysely', '@electric-sql/*'], message: 'routes are HTTP only: call a use case in ledger/, never the store.' }],
        },
      ],
    },
  },
  { files: ['src/domain/**/*.ts', 'src/crypto/**/*.ts'], rules: { 'no-restricted-imports': ['error', impure] } },
);
