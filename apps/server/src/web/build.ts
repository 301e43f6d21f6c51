import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Where the page is built; http/web.ts serves this folder. */
export const webOutDir = here('../../dist/web/');

/**
 * Bundles the chat page for browsers: app.js (the client SDK and protocol included, from
 * source) and app-styles.css, beside index.html. Takes well under a second, so the browser
 * test rebuilds it every run instead of trusting an old build.
 */
export async function buildWeb(outdir = webOutDir): Promise<void> {
  // Overwrite in place rather than delete first: a server started meanwhile may be serving it.
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { app: here('./app/main.ts'), 'app-styles': here('./styles.css') },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome111', 'firefox114', 'safari16.4'],
    conditions: ['@roomcast/source'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(here('./index.html'), `${outdir}index.html`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
}
