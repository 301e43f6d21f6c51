import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../testing/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'roomcast-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ],
  { stdio: 'ignore' },
);
const ca = readFileSync(cert);

describe('TLS', () => {
  it('TLS_CERT_FILE/TLS_KEY_FILE serve https and wss, past the handshake deadline', async () => {
    const server = await startServer({ config: { TLS_CERT_FILE: cert, TLS_KEY_FILE: key, HANDSHAKE_TIMEOUT_MS: 300 } });
    try {
      expect(server.http).toMatch(/^https:\/\//);
      const health = await new Promise<number>((resolve, reject) => {
        get(`${server.http}/healthz`, { ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(health).toBe(200);
      const ws = new WebSocket(`${server.ws}?name=ann`, { ca });
      const frames: string[] = [];
      ws.on('message', (d) => frames.push(d.toString()));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      // Outlive the handshake deadline: a finished handshake is not an unfinished request.
      await new Promise((r) => setTimeout(r, 600));
      ws.send(JSON.stringify({ event: 'send', data: { room: 'lobby', text: 'over tls' }, id: 1 }));
      await new Promise<void>((resolve) => ws.on('message', (d) => d.toString().includes('"ack"') && resolve()));
      expect(frames.map((f) => JSON.parse(f).event)).toEqual(['welcome', 'message', 'ack']);
      ws.close();
    } finally {
      await server.app.close();
    }
  });

  it('refuses a half-set pair at start', async () => {
    const { loadConfig } = await import('../config.js');
    expect(() => loadConfig({ TLS_CERT_FILE: cert })).toThrow('TLS_CERT_FILE and TLS_KEY_FILE: set both or neither');
  });
});
