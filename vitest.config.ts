import { defineConfig } from 'vitest/config';

// One run over every workspace; each project resolves siblings from source (vitest.shared.ts).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tools/*', 'tests/*'],
    // In CI, also write a JSON report so .ci/run can print a plain pass/fail count.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'artifacts/vitest.json' },
  },
});
