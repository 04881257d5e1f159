import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['shigoto-source'] },
  ssr: { resolve: { conditions: ['shigoto-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
