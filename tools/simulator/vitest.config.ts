import { project } from '../../vitest.shared.js';

// Scenario runs start workers and servers; give them room on a 2-core machine.
export default project('simulator', {
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
