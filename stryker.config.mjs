// `pnpm mutate`: mutation testing of the delivery rules, limits and reconnect logic (TESTING.md).
// Not in CI: a full run takes tens of minutes on 2 cores; incremental re-runs only test what changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'apps/server/src/hub/**/*.ts',
    'apps/server/src/ws/socket-route.ts',
    'apps/server/src/handlers/**/*.ts',
    'packages/client/src/connection.ts',
    'packages/client/src/requests.ts',
    '!**/*.test.ts',
  ],
  coverageAnalysis: 'perTest',
  // Mutants in module-level code would need every test each; they are few and reported as ignored.
  ignoreStatic: true,
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  timeoutMS: 10_000,
  // The first full run of the tests, on a loaded 2-core machine, can take several minutes.
  dryRunTimeoutMinutes: 30,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
