import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The tools run either built (plain .js) or from TypeScript source under tsx (tests, `pnpm sim`).
// Threads and processes they start follow the form of their entry module.

const require = createRequire(import.meta.url);

/** True for a module that must be run through tsx. */
export const isSource = (entry: URL | string): boolean => String(entry).endsWith('.ts');

function tsxEsmApi(): string {
  // tsx's package entry resolves to its CommonJS API from here; the ESM API lives beside it.
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
}

/** Node flags for a child process whose entry is `entry`: none when built, tsx and the source condition when not. */
export function execArgvFor(entry: URL | string): string[] {
  if (!isSource(entry)) return [];
  return ['--import', pathToFileURL(require.resolve('tsx')).href, '--conditions=@roomcast/source'];
}

/**
 * How to start `entry` in a worker thread. From source, Node 20 does not apply `--import`
 * hooks to a worker's entry module, so a tiny bootstrap registers tsx first, then imports it.
 */
export function workerEntry(entry: URL): { script: string | URL; eval: boolean; execArgv: string[] } {
  if (!isSource(entry)) return { script: entry, eval: false, execArgv: [] };
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return { script: code, eval: true, execArgv: ['--conditions=@roomcast/source'] };
}
