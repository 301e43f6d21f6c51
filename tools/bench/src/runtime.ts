import { fileURLToPath } from 'node:url';
import { execArgvFor } from '@roomcast/measure';

/**
 * The bench runs either built (`node dist/cli.js`, what `pnpm bench` does: no transform cost in
 * any process) or from source under tsx (tests). Child processes and workers follow suit.
 */
export const moduleExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** A module of this package (path relative to src/ or dist/), as a URL. */
export function packageUrl(relative: string): URL {
  return new URL(`./${relative}${moduleExt}`, import.meta.url);
}

/** A module of this package, as a file path, e.g. `packagePath('bin/ws-peer')`. */
export function packagePath(relative: string): string {
  return fileURLToPath(packageUrl(relative));
}

/** The argv to run a file in its own Node process: tsx first when it is TypeScript source. */
export function nodeArgsFor(file: string): string[] {
  return [...execArgvFor(file), file];
}
