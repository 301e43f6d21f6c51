import { project } from '../../vitest.shared.js';

export default project('server', { test: { globalSetup: ['src/testing/web-setup.ts'] } });
