import { defineProject } from 'vitest/config';

// Vitest runs tests in Vite's SSR environment, which resolves with ssr.resolve.conditions.
const conditions = ['@roomcast/source'];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'client',
    include: ['src/**/*.test.ts'],
    // Generous waits for a loaded 2-core CI machine; a poll only takes long when a test fails.
    expect: { poll: { timeout: 5000 } },
  },
});
