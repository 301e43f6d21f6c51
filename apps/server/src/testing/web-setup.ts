import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWeb } from '../web/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The chat page bundled from source for this run (ends in /). */
    webRoot: string;
  }
}

/**
 * Bundles the chat page once per run, from source, into a folder of its own: the browser tests
 * never trust an old dist/web, and a build running meanwhile (pnpm start's) cannot change it under them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-web-'));
  const webRoot = `${dir}/`;
  await buildWeb(webRoot);
  project.provide('webRoot', webRoot);
  return () => rm(dir, { recursive: true, force: true });
}
