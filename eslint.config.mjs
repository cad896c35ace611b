import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.mjs';

// Package imports by layer (folder rules: eslint/layers.mjs). TensorFlow.js only in the compute
// part (src/engine), the backend process's entry and the tests/bench; vscode only in src/extension.
const vscode = { name: 'vscode', message: 'only src/extension may import vscode' };
const tfjs = {
  group: ['@tensorflow/*'],
  message: 'TensorFlow.js belongs to src/engine (the compute part); src/core, src/protocol, src/extension and webview/ stay tfjs-free',
};

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'runs/', '.cache/', 'bench/peers/.venv/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Which folder may import which (eslint/layers.mjs; docs/architecture.md draws the layers).
      'layers/imports': 'error',
      'no-restricted-imports': ['error', { paths: [vscode] }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [vscode], patterns: [tfjs] }] },
  },
  {
    // Functions of the product stay readable: at most ~120 lines of code (blank lines and comments not counted).
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 125, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [tfjs] }] },
  },
  {
    files: ['test/extension/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', '*.mjs', 'eslint/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
