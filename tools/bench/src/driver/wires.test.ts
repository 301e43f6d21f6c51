import { encodeClientEvent } from '@roomcast/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningPeer } from '../peers/handshake.js';
import { startWsPeer } from '../peers/ws-peer.js';
import { v1Wire } from './wires.js';

describe('the v1 wire against a real peer', () => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startWsPeer({ port: 0 });
  });
  afterAll(() => peer.close());

  async function listen(sampleEvery: number) {
    const texts: (string | undefined)[] = [];
    const client = await v1Wire(
      `ws://127.0.0.1:${peer.port}`,
      `l${sampleEvery}`,
      'wire',
      { onMessage: (text) => texts.push(text), onClose: () => {} },
      { sampleEvery },
      5000,
    );
    return { client, texts };
  }

  it('counts every delivery on the light path and parses exactly one in N', async () => {
    const full = await listen(1);
    const light = await listen(4);
    // A raw sender, so the listeners only receive: 22 messages, then a join of a third client as a marker.
    const sender = new WebSocket(`ws://127.0.0.1:${peer.port}/ws?name=s&room=wire`);
    await new Promise((resolve) => sender.once('message', resolve));
    for (let i = 0; i < 22; i++) sender.send(encodeClientEvent('send', { room: 'wire', text: `${i} text` }, i));
    for (let i = 0; i < 200 && (full.texts.length < 22 || light.texts.length < 22); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(full.texts).toEqual(Array.from({ length: 22 }, (_, i) => `${i} text`));
    expect(light.texts).toHaveLength(22);
    // Deliveries 4, 8, ... 20 (1-based) were parsed; the others were counted from the raw frame.
    expect(light.texts.filter((t) => t !== undefined)).toEqual(['3 text', '7 text', '11 text', '15 text', '19 text']);
    sender.close();
    await Promise.all([full.client.close(), light.client.close()]);
  });

  it('still gets its acks on the light path: only chat deliveries skip the parse', async () => {
    const { client, texts } = await listen(8);
    const answers: boolean[] = [];
    for (let i = 0; i < 10; i++) client.send('wire', `${i}`, (ok) => answers.push(ok));
    client.send('not-joined', 'x', (ok) => answers.push(ok));
    for (let i = 0; i < 200 && answers.length < 11; i++) await new Promise((r) => setTimeout(r, 10));
    expect(answers).toEqual([...Array.from({ length: 10 }, () => true), false]);
    expect(texts).toHaveLength(10);
    await client.close();
  });
});
