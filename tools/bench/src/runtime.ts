import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The bench runs either built (`node dist/cli.js`, what `pnpm bench` does: no transform cost in
 * any process) or from source under tsx (tests). Child processes and workers follow suit.
 */
export const fromSource = import.meta.url.endsWith('.ts');
export const moduleExt = fromSource ? '.ts' : '.js';

/** Node arguments that let a child process run a TypeScript entry from source. */
function sourceArgs(): string[] {
  return ['--conditions=@roomcast/source', '--import', import.meta.resolve('tsx')];
}

/** The argv to run a module of this package (path relative to src/ or dist/) in its own process. */
export function nodeArgsFor(file: string): string[] {
  return [...(fromSource ? sourceArgs() : []), file];
}

/** A module of this package, as a file path, e.g. `packagePath('bin/ws-peer')`. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`./${relative}${moduleExt}`, import.meta.url));
}

/** Starts a worker thread on a module of this package; from source, tsx is registered inside it first. */
export function startWorker(relative: string): Worker {
  const url = new URL(`./${relative}${moduleExt}`, import.meta.url);
  if (!fromSource) return new Worker(url);
  // Node 20 workers ignore the parent's --import hooks for their entry, so register tsx by hand.
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(url.href)});`;
  return new Worker(boot, { eval: true, execArgv: ['--conditions=@roomcast/source'] });
}
