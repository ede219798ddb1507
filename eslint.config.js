// typescript-eslint flat config: the recommended rules, plus the layering rules of the design
// (pure folders import no adapters; each adapter owns its library).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const adapters = ['smpp', 'ari-client', 'asterisk-manager', 'better-sqlite3', 'node:net', 'net', 'fastify', 'ws'];
const restrict = (names, message) => ({ 'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message })), patterns: [{ group: ['**/store/**', '**/http/**'], message }] }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test-artifacts/**', 'src/admin/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', performance: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off',
      'preserve-caught-error': 'off',
    },
  },
  { files: ['src/domain/**', 'src/sms/codec/**', 'src/sms/commands/**', 'src/voice/flow/**'], rules: restrict(adapters, 'pure code: no adapters here') },
);
