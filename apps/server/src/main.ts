import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { explainListenError, readyMessage } from './startup.js';

/** Exit status for a configuration a person must fix (a bad variable, a port in use). */
const EXIT_CONFIG = 2;

// Until the server listens nobody tails a log: say what went wrong as one plain sentence on stderr.
function die(message: string, status: number): never {
  process.stderr.write(`roomcast: ${message}\n`);
  process.exit(status);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  die(`${err.message}\nSee "Configuration" in README.md.`, EXIT_CONFIG);
}

const app = await buildApp({ config, defaultMetrics: true });

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an unexpected error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

try {
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  app.log.info(readyMessage(address, app.hub.adapter.name, config));
} catch (err) {
  const explained = explainListenError(err, config);
  die(explained ?? `could not start: ${(err as Error).message}`, explained ? EXIT_CONFIG : 1);
}
