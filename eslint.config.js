// ESLint: the recommended rules of ESLint and typescript-eslint (syntax only, no type information,
// so linting stays fast), unused code and import cycles as errors. Formatting is Prettier's job.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['**/node_modules/', '**/dist/', '**/dist-export/', '**/test-results/', '**/.vite/', '.reprise-data/', 'bench/results/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      // The files no-cycle follows, and how it parses the TypeScript ones.
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
      // Resolves NodeNext's `./x.js` to `./x.ts` and the workspace packages, so cycles are seen.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // A cycle makes module initialisation order matter; type-only imports are not followed.
      'import-x/no-cycle': 'error',
      // `let x = ''` before a try that assigns it is how this code satisfies definite assignment.
      'no-useless-assignment': 'off',
      // A handle that refers to itself from a closure is declared first and assigned once built.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The demo shop's page scripts share the global that shop.js defines.
    files: ['examples/demo-shop/public/assets/*.js'],
    languageOptions: { globals: { Shop: 'readonly' } },
  },
]);
