import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './testing/harness.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
// Beside the server package, so `@roomcast/client` resolves as in a project that depends on it.
const script = fileURLToPath(new URL(`../.readme-snippet-${process.pid}.mts`, import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await rm(script, { force: true });
  await server.app.close();
});

describe('README', () => {
  it('has a client SDK example that chats and then lets the process exit', async () => {
    const snippet = /```ts\n(import \{ createClient[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toContain('client.close()');
    await writeFile(script, (snippet as string).replace('ws://127.0.0.1:3000/ws', server.ws));
    const child = spawn(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    // Exiting on its own is the point: a client left open would keep reconnecting forever.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(killer);
    expect({ code, signal, out }).toEqual({ code: 0, signal: null, out: 'ada: hello\n' });
  }, 30_000);
});
