import { defineProject } from 'vitest/config';

const conditions = ['@roomcast/source'];

export default defineProject({
  // Vite applies `resolve.conditions` to browser code only; tests run server-side, hence `ssr` too.
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  // Scenario runs start workers and servers; give them room on a 2-core machine.
  test: {
    name: 'simulator',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
