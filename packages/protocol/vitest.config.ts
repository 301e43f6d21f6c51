import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@roomcast/source'] },
  test: { name: 'protocol', include: ['src/**/*.test.ts'] },
});
