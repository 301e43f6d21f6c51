// Writes the generated JSON Schema and AsyncAPI documents; schema.test.ts fails when they drift.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAsyncApi, buildJsonSchema } from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
mkdirSync(dir, { recursive: true });
const write = (name: string, doc: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(doc, null, 2)}\n`);
write('roomcast.schema.json', buildJsonSchema());
write('asyncapi.json', buildAsyncApi());
