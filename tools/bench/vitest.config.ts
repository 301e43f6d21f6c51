import { defineProject } from 'vitest/config';

// Tests run in Vite's SSR environment, which reads its own condition list: `resolve.conditions`
// alone does not reach sibling packages there, and also pulls `ws` towards its browser stub.
export default defineProject({
  ssr: { resolve: { conditions: ['@roomcast/source'] } },
  test: { name: 'bench', include: ['src/**/*.test.ts'], testTimeout: 40_000, hookTimeout: 20_000 },
});
