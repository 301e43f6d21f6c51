import { project } from '../../vitest.shared.js';

// Packing builds both packages and npm installs the tarballs: slow on a loaded 2-core machine.
export default project('consumers', {
  test: { include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 300_000 },
});
