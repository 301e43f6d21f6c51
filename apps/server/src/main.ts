import cluster from 'node:cluster';
import { runPrimary } from './cluster/primary.js';
import { serve } from './cluster/worker.js';
import { ConfigError, loadConfig, workerCount } from './config.js';
import { die, EXIT_CONFIG } from './startup.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  die(`${err.message}\nSee "Configuration" in README.md.`, EXIT_CONFIG);
}

// WORKERS=N: this process forks the workers and holds the bus; each worker serves (README, "Every core").
if (cluster.isPrimary && workerCount(config.WORKERS) > 1) runPrimary(config, workerCount(config.WORKERS));
else await serve(config);
