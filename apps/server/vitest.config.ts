import { project } from '../../vitest.shared.js';

// Real servers on a loaded 2-core machine: timeouts and polls bound failures, they are not waits.
export default project('server', {
  test: {
    globalSetup: ['src/testing/web-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    expect: { poll: { timeout: 5000 } },
  },
});
