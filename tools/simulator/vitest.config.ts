import { project } from '../../vitest.shared.js';

// Scenario runs start workers and servers, many at once (describe.concurrent): on a loaded
// 2-core machine they need room; the bound is for a hang, not a measure of speed.
export default project('simulator', {
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});
