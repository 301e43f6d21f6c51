import { defineProject } from 'vitest/config';

// Vitest runs tests in Vite's SSR environment, which resolves with ssr.resolve.conditions.
const conditions = ['@roomcast/source'];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'server',
    include: ['src/**/*.test.ts'],
    expect: { poll: { timeout: 5000 } },
    // The chat page is served from dist/web; build it from source before any test serves it.
    globalSetup: ['src/web/global-setup.ts'],
  },
});
