// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'test-artifacts/', 'captures/', 'test/corpus/'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      // Matching control characters is deliberate here: capture text is stripped of them and tests assert their absence.
      'no-control-regex': 'off',
    },
  },
  {
    // Sources, tests and vitest.config.ts: the program that `npm run typecheck` checks.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.test.json'] } },
  },
  {
    // Plain ES modules outside that program get TypeScript's default project.
    // The lab's scripts alone are ten files, past typescript-eslint's default cap of eight; 17 are matched today.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', 'bench/*.mjs', 'scripts/*.mjs', 'lab/*.mjs', 'lab/programs/*.mjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 24,
        },
      },
    },
    rules: {
      // Untyped JavaScript: every value, and everything imported from dist/ at run time, is `any`.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
