// Builds a published package twice from one source: ESM into dist/esm, CommonJS into dist/cjs.
// A `{"type":"commonjs"}` marker makes Node and TypeScript read dist/cjs (its .js and .d.ts) as
// CommonJS inside a `"type": "module"` package. Run from the package's directory.
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// Built beside dist at the same depth (so source maps point at ../../src) and swapped in at the
// end: no stale file from an earlier layout reaches the tarball, and a failed build leaves dist as it was.
const next = 'dist.next';
const run = (project, out) =>
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', `${next}/${out}`], { stdio: 'inherit' });

rmSync(next, { recursive: true, force: true });
run('tsconfig.build.json', 'esm');
run('tsconfig.build.cjs.json', 'cjs');
writeFileSync(`${next}/cjs/package.json`, `${JSON.stringify({ type: 'commonjs' })}\n`);
rmSync('dist', { recursive: true, force: true });
renameSync(next, 'dist');
