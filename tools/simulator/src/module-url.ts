import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** True when this package runs from its TypeScript sources (tests, `pnpm sim`), false from dist. */
export const fromSource = import.meta.url.endsWith('.ts');

/** The sibling module `name` (without extension) next to this file, in whichever form is running. */
export function siblingUrl(name: string): URL {
  return new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url);
}

function tsxEsmApi(): string {
  // tsx's package entry resolves to its CommonJS API from here; the ESM API lives beside it.
  const dir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(join(dir, 'dist/esm/api/index.mjs')).href;
}

/**
 * How to start `entry` in a worker thread. From source, Node 20 does not apply `--import`
 * hooks to a worker's entry module, so a tiny bootstrap registers tsx first, then imports it.
 */
export function workerEntry(entry: URL): { script: string | URL; eval: boolean; execArgv: string[] } {
  if (!fromSource) return { script: entry, eval: false, execArgv: [] };
  const code = `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return { script: code, eval: true, execArgv: ['--conditions=@roomcast/source'] };
}

/** Node flags for a child process running `entry` (the self-started server). */
export function childExecArgv(): string[] {
  if (!fromSource) return [];
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', loader, '--conditions=@roomcast/source'];
}
