// Lint rules: typescript-eslint's recommended set, plus the few that catch real bugs in
// async pipeline code (floating promises would silently drop I/O errors).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/**', 'dist/**', 'node_modules/**', '.scratch/**', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The renderer runs in a sandboxed page: it talks to the API (src-shared) only. Its build
    // config and its tests (which start the real API in-process) run in Node.
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.tsx'],
    ignores: [
      'src-renderer/**/*.test.*',
      'src-renderer/test-support/**',
      'src-renderer/*.config.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'The renderer has no Node: use the API.' },
            {
              regex: '/src-main/',
              message: 'The renderer reaches the main process through the API.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
