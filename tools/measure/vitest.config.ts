import { project } from '../../vitest.shared.js';

export default project('measure', { test: { testTimeout: 20_000 } });
