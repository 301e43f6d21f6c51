import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Where a report file goes: a path the user gave is taken from where they ran the command;
 * without one, `artifacts/<name>` there (git-ignored). The directory is created.
 */
export function reportPath(given: string | true, defaultName: string): string {
  const base = process.env.INIT_CWD ?? process.cwd();
  const path = given === true ? resolve(base, 'artifacts', defaultName) : resolve(base, given);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** A file-name-safe stamp of now, e.g. 2026-11-25T21-40-03. */
export const stamp = () => new Date().toISOString().slice(0, 19).replace(/:/g, '-');
