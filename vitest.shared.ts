import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript source, so tests need no build first.
const conditions = ['@roomcast/source', 'module', 'node', 'development|production'];

export function project(name: string, extra: UserWorkspaceConfig = {}) {
  return mergeConfig(
    defineProject({
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: { name, include: ['src/**/*.test.ts'] },
    }),
    extra,
  );
}
