// Child-process entry: runs the Roomcast server for a simulator run that was given no --url,
// in its own process so its CPU is not counted as the generator's (and the reverse).
import { buildApp, loadConfig } from '@roomcast/server';

const env = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const app = await buildApp({ config: loadConfig(env), logger: false, closeGraceMs: 500 });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await app.close();
  process.exit(0);
}
// The parent going away (even by crash) closes the IPC channel: never outlive it.
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.send?.({ type: 'listening', port });
