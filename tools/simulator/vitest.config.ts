import { project } from '../../vitest.shared.js';

// Scenario runs start workers and servers; give them room on a 2-core machine shared with
// other work (a 1.5 s scenario has taken 38 s there). Bounds on failure, not waits.
export default project('simulator', {
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});
