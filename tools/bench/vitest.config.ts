import { project } from '../../vitest.shared.js';

export default project('bench', { test: { testTimeout: 40_000, hookTimeout: 20_000 } });
