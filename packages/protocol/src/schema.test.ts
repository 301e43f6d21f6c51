import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAsyncApi } from './asyncapi.js';
import { ClientEvents } from './client-events.js';
import { buildJsonSchema } from './json-schema.js';
import { ServerEvents } from './server-events.js';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../schema/${name}`, import.meta.url), 'utf8'));

describe('generated schema files', () => {
  it('match the TypeBox source (run `pnpm --filter @roomcast/protocol schema` after a change)', () => {
    expect(read('roomcast.schema.json')).toEqual(buildJsonSchema());
    expect(read('asyncapi.json')).toEqual(buildAsyncApi());
  });

  it('describe every event in both directions', () => {
    const defs = buildJsonSchema().$defs as Record<string, { properties: { event: { const: string } } }>;
    for (const event of Object.keys(ClientEvents)) expect(JSON.stringify(defs)).toContain(`"const":"${event}"`);
    for (const event of Object.keys(ServerEvents)) expect(JSON.stringify(defs)).toContain(`"const":"${event}"`);
    const api = buildAsyncApi() as { asyncapi: string; operations: Record<string, { action: string }> };
    expect(api.asyncapi).toBe('3.0.0');
    const ops = Object.values(api.operations);
    expect(ops.filter((o) => o.action === 'receive')).toHaveLength(Object.keys(ClientEvents).length);
    expect(ops.filter((o) => o.action === 'send')).toHaveLength(Object.keys(ServerEvents).length);
  });

  it('is plain JSON with no TypeBox internals', () => {
    const text = JSON.stringify(buildJsonSchema());
    expect(text).not.toContain('TypeBox');
    expect(text).not.toMatch(/"\[object/);
  });
});
