// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/gen/**', '**/dist/**', '.hourglass/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../services/*', '../../packages/*', '../../workflows/*', '**/services/*/src/*'], message: 'Import other workspaces by package name (@hourglass/...).' }] }],
    },
  },
  {
    // Workflow code must stay deterministic: no Node modules, no I/O clients, no activity implementations.
    files: ['workflows/src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`), 'pg', 'kafkajs', 'express', 'stripe', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({ name, message: 'Workflow code is deterministic: no Node modules or I/O clients.' })),
        patterns: [{ group: ['@hourglass/*', '!@hourglass/workflows'], message: 'Workflow code imports activities by type from ../contracts only.' }, { group: ['**/adapters/**', '**/activities'], message: 'Workflow code imports activity interfaces (types), never implementations.' }],
      }],
    },
  },
  {
    files: ['**/test/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
