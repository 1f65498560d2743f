import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Child scripts bundled once per run (test/support/compile-scripts.ts).
    globalSetup: ['test/support/compile-scripts.ts'],
  },
});
