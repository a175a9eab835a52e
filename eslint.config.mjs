import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import workflowImports from './eslint-rules/workflow-imports.js';

const WORKFLOW_SHARED_MODULES = ['lib/market/epic-batches.ts', 'lib/capital/vocabulary.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Amounts go through lib/money.ts, never parseFloat.' }],
    },
  },
  {
    files: ['eslint-rules/**/*.js', 'bin/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Pure, deterministic lib modules the workflows share (checked by the same rule).
    files: ['workflows/**/*.ts', ...WORKFLOW_SHARED_MODULES],
    plugins: { recon: { rules: { 'workflow-imports': workflowImports } } },
    rules: { 'recon/workflow-imports': ['error', { workflowsDir: 'workflows', sharedModules: WORKFLOW_SHARED_MODULES }] },
  },
);
