// ESLint for the whole monorepo: typescript-eslint's type-aware recommended rules and lines of at most
// 120 characters (Prettier formats the code; the line limit also covers the comments and strings it
// leaves alone). Run as `npm run lint`, which also checks the formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': ['error', { code: 120, tabWidth: 2, ignoreUrls: false }],
      // Async by contract: Fastify plugins and the channel interfaces return promises whether or not
      // an implementation awaits anything (the sandbox answers at once, a real connector does not).
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read JSON answers of the API, typed `any` by the harness on purpose (an answer is
    // whatever the gateway sent: the assertions check its shape), and call node:test's test() and
    // describe() without awaiting them, as the runner expects.
    files: ['packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // Migrations run against the schema as it was when they were written, not the code's current
    // types (Kysely's advice: Kysely<any>), and a dialect's introspector is typed so by Kysely.
    files: ['packages/gateway/src/store/migrations/*.ts', 'packages/gateway/src/store/pglite/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // Plain JavaScript (the CLI's launcher, the test runner script) runs in Node.
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
