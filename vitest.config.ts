import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // A throwaway PostgreSQL cluster for the store suite on PostgreSQL (skipped when not installed).
    globalSetup: ['test/setup/pg-cluster.ts'],
  },
});
