// @roomcast/protocol and @roomcast/client as a stranger gets them: packed (prepack builds), the
// tarballs npm-installed into a scratch project, then used from ESM, CommonJS, TypeScript under
// every moduleResolution and an esbuild browser bundle in Chromium, against a real server.
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, run, type Server, startServer } from './support.js';

const require = createRequire(import.meta.url);
const PACKAGES = ['protocol', 'client'] as const;
type Pkg = (typeof PACKAGES)[number];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let scratch: string;
let server: Server;
const tarballs = {} as Record<Pkg, string>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'roomcast-consumers-'));
  // One after the other: the client's build reads the protocol's freshly built types.
  for (const pkg of PACKAGES) {
    const packed = await run('pnpm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: join(ROOT, 'packages', pkg),
      timeoutMs: 180_000,
    });
    tarballs[pkg] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('{'))).filename;
  }
  await cp(FIXTURES, scratch, { recursive: true });
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  // Both tarballs at once: the client's dependency on the protocol (a version after packing) is met by the other.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarballs.protocol, tarballs.client], {
    cwd: scratch,
    timeoutMs: 180_000,
  });
  server = await startServer();
}, 400_000);

afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function listTarball(pkg: Pkg): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarballs[pkg]], { cwd: scratch });
  return stdout.trim().split('\n');
}

describe('the tarballs', () => {
  it.each(PACKAGES)('%s ships both builds, LICENSE and README, and no test', async (pkg) => {
    const files = await listTarball(pkg);
    for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/esm/index.js', 'dist/esm/index.d.ts'])
      expect(files).toContain(`package/${file}`);
    for (const file of ['dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json'])
      expect(files).toContain(`package/${file}`);
    expect(files.filter((f) => /\.test\.ts$|test-support|dist\.next/.test(f))).toEqual([]);
    const license = await readFile(join(scratch, 'node_modules/@roomcast', pkg, 'LICENSE'), 'utf8');
    expect(license).toBe(await readFile(join(ROOT, 'LICENSE'), 'utf8'));
  });

  it('the packed client depends on the packed protocol by version, not workspace:', async () => {
    const installed = async (pkg: Pkg) =>
      JSON.parse(await readFile(join(scratch, 'node_modules/@roomcast', pkg, 'package.json'), 'utf8'));
    const [protocol, client] = [await installed('protocol'), await installed('client')];
    expect(client.dependencies['@roomcast/protocol']).toBe(protocol.version);
    expect(client.dependencies.ws).toMatch(/^\^8\./);
    for (const pkg of [protocol, client]) {
      expect(pkg.license).toBe('MIT');
      expect(pkg.repository.directory).toBe(`packages/${pkg.name.split('/')[1]}`);
      expect(pkg.sideEffects).toBe(false);
    }
    // npm put exactly one copy of the protocol in the tree.
    expect(existsSync(join(scratch, 'node_modules/@roomcast/client/node_modules/@roomcast/protocol'))).toBe(false);
  });

  it.each(PACKAGES)('%s: publint reports nothing, not even a suggestion', async (pkg) => {
    const tarball = (await readFile(tarballs[pkg])).buffer;
    const { messages } = await publint({
      pack: { tarball: tarball as ArrayBuffer },
      level: 'suggestion',
      strict: true,
    });
    expect(messages).toEqual([]);
  });

  it.each(PACKAGES)(
    '%s: arethetypeswrong finds no problem for node10, node16 (CJS and ESM) or bundler',
    async (pkg) => {
      const attw = join(require.resolve('@arethetypeswrong/cli/package.json'), '..', 'dist/index.js');
      const { stdout } = await run(process.execPath, [attw, tarballs[pkg], '--format', 'json'], { cwd: scratch });
      const report = JSON.parse(stdout) as {
        problems: unknown;
        analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
      };
      expect(report.problems).toEqual({});
      const entrypoints = Object.entries(report.analysis.entrypoints);
      expect(entrypoints.map(([name]) => name)).toEqual(
        pkg === 'client'
          ? ['.', './testing', './package.json']
          : ['.', './schema/roomcast.schema.json', './schema/asyncapi.json', './package.json'],
      );
      for (const [, entry] of entrypoints)
        expect(Object.keys(entry.resolutions).sort()).toEqual(['bundler', 'node10', 'node16-cjs', 'node16-esm']);
    },
  );
});

/** What each fixture program prints after chatting in its own room (so each message is seq 1 there). */
function expectedChat(kind: string) {
  return {
    welcome: { name: `${kind}-user`, rooms: [kind] },
    ack: { room: kind, seq: 1 },
    message: { room: kind, seq: 1, text: `hello from ${kind}`, from: `${kind}-user` },
    encoded: '{"event":"join","data":{"room":"general"},"id":7}',
    badFrame: false,
    protocol: 1,
    schemaTitle: 'Roomcast wire protocol v1',
    errorClass: 'timeout',
  };
}

describe('a Node 20 program (the client falls back to `ws`)', () => {
  it.each([
    ['esm', 'dist/esm/index.js'],
    ['cjs', 'dist/cjs/index.js'],
  ])('%s: imports both packages and the schema, chats, and exits by itself', async (kind, entry) => {
    const { stdout } = await run(process.execPath, ['main.js'], {
      cwd: join(scratch, kind),
      env: { ROOMCAST_URL: server.ws },
      timeoutMs: 30_000,
    });
    const { resolved, ...result } = JSON.parse(stdout);
    expect(result).toEqual(expectedChat(kind));
    expect(resolved).toHaveLength(2);
    for (const [i, pkg] of PACKAGES.entries())
      expect(String(resolved[i])).toContain(`node_modules/@roomcast/${pkg}/${entry}`);
  });
});

describe("TypeScript (strict, the workspace's tsc)", () => {
  const tsc = require.resolve('typescript/bin/tsc');
  // Each program is the same fixture text; .mts/.cts make node16/nodenext check both formats.
  // nodenext also checks every shipped .d.ts (skipLibCheck off; TypeBox's make that the slow one).
  const projects = [
    {
      resolution: 'node16',
      module: 'node16',
      files: ['main.mts', 'main.cts'],
      builds: ['esm', 'cjs'],
      libCheck: false,
    },
    {
      resolution: 'nodenext',
      module: 'nodenext',
      files: ['main.mts', 'main.cts'],
      builds: ['esm', 'cjs'],
      libCheck: true,
    },
    { resolution: 'bundler', module: 'esnext', files: ['main.ts'], builds: ['esm'], libCheck: false },
    { resolution: 'node10', module: 'commonjs', files: ['main.ts'], builds: ['cjs'], libCheck: false },
  ];

  it.each(projects)('moduleResolution $resolution type-checks against the $builds types', async (project) => {
    const dir = join(scratch, `ts-${project.resolution}`);
    await mkdir(dir, { recursive: true });
    for (const file of project.files) await copyFile(join(scratch, 'ts/main.ts'), join(dir, file));
    const compilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: !project.libCheck,
      skipDefaultLibCheck: true,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      module: project.module,
      moduleResolution: project.resolution,
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: project.files }));
    const { stdout } = await run(process.execPath, [tsc, '-p', '.', '--listFiles'], { cwd: dir });
    const ours = stdout.split('\n').filter((f) => f.includes('node_modules/@roomcast/') && f.endsWith('index.d.ts'));
    const expected = project.builds.flatMap((b) => PACKAGES.map((pkg) => `@roomcast/${pkg}/dist/${b}/index.d.ts`));
    expect(ours.map((f) => f.slice(f.indexOf('@roomcast/'))).sort()).toEqual(expected.sort());
  });
});

describe('a browser bundle (esbuild) in Chromium', () => {
  it('bundles without `ws` or any node: module, and chats from the page', async () => {
    const bundled = await build({
      entryPoints: [join(scratch, 'browser/main.js')],
      absWorkingDir: scratch,
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs).toContain('node_modules/@roomcast/client/dist/esm/client.js');
    expect(inputs).toContain('node_modules/@roomcast/protocol/dist/esm/codec.js');
    expect(inputs.filter((path) => /node_modules\/ws\/|^node:/.test(path))).toEqual([]);
    const code = bundled.outputFiles[0]?.text ?? '';

    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.setContent('<!doctype html><title>scratch</title>');
      await page.evaluate((url) => {
        Object.assign(globalThis, { ROOMCAST_URL: url });
      }, server.ws);
      await page.addScriptTag({ content: code });
      const result = () => (globalThis as { roomcastResult?: unknown }).roomcastResult;
      const handle = await page.waitForFunction(result, null, { timeout: 20_000 });
      expect(await handle.jsonValue()).toEqual({
        welcome: { name: 'browser-user', rooms: ['browser'] },
        ack: { room: 'browser', seq: 1 },
        message: { room: 'browser', seq: 1, text: 'hello from a bundle', from: 'browser-user' },
        encoded: '{"event":"leave","data":{"room":"browser"}}',
        decoded: true,
      });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
