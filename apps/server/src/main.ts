import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // No logger exists yet: this is the one place the server writes to stderr directly.
  process.stderr.write(`roomcast: ${err.message}\n`);
  process.exit(2);
}

const app = await buildApp({ config, defaultMetrics: true });

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an unexpected error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

try {
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info(`Roomcast ready at ${address}, WebSocket at ${address.replace(/^http/, 'ws')}/ws`);
} catch (err) {
  app.log.fatal({ err }, 'could not start');
  process.exit(1);
}
