import { project } from '../../vitest.shared.js';

// Generous polls for a loaded 2-core CI machine; a poll only waits that long when a test fails.
export default project('client', { test: { expect: { poll: { timeout: 5000 } } } });
