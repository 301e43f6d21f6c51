import { ErrorReply } from 'redis';
import { AdapterUnavailableError } from '../adapter.js';
import { type Client, COMMAND_TIMEOUT_MS } from './client.js';
import type { Script } from './scripts.js';

// Replies that mean "not now" rather than "wrong": Redis is loading, failing over or full.
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|READONLY)\b/;

/**
 * Runs a Redis call, turning "Redis is not reachable" into AdapterUnavailableError. node-redis
 * times out only commands still queued, not ones already written to a stalled Redis: hence ours.
 */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(fn(), COMMAND_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof ErrorReply && !TRANSIENT.test(err.message)) throw err;
    throw new AdapterUnavailableError(`redis unavailable (${what}): ${(err as Error).message}`, { cause: err });
  }
}

/** EVALSHA, loading the script on NOSCRIPT (a restarted Redis has forgotten it). */
export function runScript(client: Client, script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
  const tail = [String(script.keys), ...keys, ...args.map(String)];
  return call('script', async () => {
    try {
      return await client.sendCommand(['EVALSHA', script.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof ErrorReply) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.sendCommand(['EVAL', script.source, ...tail]);
    }
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
