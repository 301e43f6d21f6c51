import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { project } from './vitest.shared.js';

// The tests `pnpm mutate` runs against each mutant. Stryker works in a copy of the repository
// whose workspace links still point at the original, so @roomcast/* is aliased to the copy's own
// source: a mutant in packages/client must reach the server's SDK tests too.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = [
  { find: /^@roomcast\/client\/testing$/, replacement: here('./packages/client/src/testing.ts') },
  { find: /^@roomcast\/client$/, replacement: here('./packages/client/src/index.ts') },
  { find: /^@roomcast\/protocol$/, replacement: here('./packages/protocol/src/index.ts') },
];
// Browser, bundle and entry-point tests start Chromium, esbuild or a child process per run and
// cover nothing in the mutated files that the others miss.
const slow = ['**/*.e2e.test.ts', '**/browser-build.test.ts', '**/main.test.ts'];
// Instrumented code runs several times slower; these bound failures, they are not waits.
const timeouts = { testTimeout: 20_000, hookTimeout: 20_000 };

export default defineConfig({
  test: {
    projects: [
      {
        ...project('server', {
          resolve: { alias },
          // The chat page bundled for the run, as in apps/server/vitest.config.ts.
          test: {
            exclude: slow,
            ...timeouts,
            globalSetup: ['src/testing/web-setup.ts'],
            expect: { poll: { timeout: 5000 } },
          },
        }),
        root: here('./apps/server'),
      },
      {
        ...project('client', {
          resolve: { alias },
          test: { exclude: slow, ...timeouts, expect: { poll: { timeout: 5000 } } },
        }),
        root: here('./packages/client'),
      },
    ],
  },
});
