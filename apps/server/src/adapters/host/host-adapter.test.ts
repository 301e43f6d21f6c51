import { fork } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterUnavailableError } from '../adapter.js';
import { HostAdapter, type PrimaryChannel } from './index.js';

const children: ReturnType<typeof fork>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A real IPC peer that reads every request and never answers: a primary whose event loop is stuck. */
function silentPrimary() {
  const child = fork('-e', ["process.on('message', () => {})"], { execArgv: [] });
  children.push(child);
  return child;
}

describe('HostAdapter, the worker side of the in-host bus', () => {
  it('fails a call the primary never answers with a retryable AdapterUnavailableError, instead of hanging', async () => {
    const adapter = new HostAdapter(silentPrimary() as unknown as PrimaryChannel, 200);
    const started = Date.now();
    const failure = await adapter.start({ onMessage: () => {}, onPresence: () => {} }).catch((err) => err);
    expect(failure).toBeInstanceOf(AdapterUnavailableError);
    expect((failure as Error).message).toBe('the primary process did not answer within 200 ms');
    // Failed by the sweep soon after the deadline, not at once and not never.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await adapter.close();
  });

  it('fails every call at once when the primary goes away', async () => {
    const primary = silentPrimary();
    const adapter = new HostAdapter(primary as unknown as PrimaryChannel, 60_000);
    const call = adapter.broker.position('lobby').catch((err) => err);
    primary.kill('SIGKILL');
    expect(await call).toBeInstanceOf(AdapterUnavailableError);
    expect(await adapter.broker.position('lobby').catch((err) => err)).toBeInstanceOf(AdapterUnavailableError);
    await adapter.close();
  });
});
