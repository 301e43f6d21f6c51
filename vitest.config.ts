import { defineConfig } from 'vitest/config';

// One run over every workspace; each project resolves siblings from source via the condition.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/*'],
  },
});
