// Builds a published package twice from one source: ESM into dist/esm, CommonJS into dist/cjs.
// A `{"type":"commonjs"}` marker makes Node and TypeScript read dist/cjs (its .js and .d.ts) as
// CommonJS inside a `"type": "module"` package. Run from the package's directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });

// Stale files from an earlier layout would otherwise end up in the tarball.
rmSync('dist', { recursive: true, force: true });
run('tsconfig.build.json');
run('tsconfig.build.cjs.json');
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
