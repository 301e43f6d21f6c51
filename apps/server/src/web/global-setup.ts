import { buildWeb } from './build.js';

/** Vitest global setup: tests serve the page from source, so build it fresh before they run. */
export default async function setup(): Promise<void> {
  await buildWeb();
}
