// A WORKERS=2 primary whose workers die as they start (they run crashing-worker.ts instead of
// the server), for the crash-loop test: a real primary, real worker processes, no wait for a server to load.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { runPrimary } from '../cluster/primary.js';
import { loadConfig } from '../config.js';

cluster.setupPrimary({ exec: fileURLToPath(new URL('./crashing-worker.ts', import.meta.url)) });
runPrimary(loadConfig({ ...process.env, WORKERS: '2', LOG_FORMAT: 'json' }), 2);
