import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@roomcast/source'] },
  test: { name: 'server', include: ['src/**/*.test.ts'] },
});
