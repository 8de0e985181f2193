// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**', 'charts/**', 'deploy/**'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Libs are reached only through their front door (src/index.ts).
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@app/*/*'], message: 'Import a lib through its index: @app/<lib>.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Test helpers parse arbitrary JSON bodies.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
