// Test helpers for apps built on the client: `@roomcast/client/testing`.
import type { RoomcastClient, RoomcastEvents } from './client.js';

/** The next event of that kind (matching `where`), or a rejection naming what never came. */
export function next<K extends keyof RoomcastEvents>(
  client: RoomcastClient,
  event: K,
  where: (data: RoomcastEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<RoomcastEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${String(event)}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (data) => {
      if (!where(data)) return;
      clearTimeout(timer);
      off();
      resolve(data);
    });
  });
}

/** Every event of that kind from now on, in order. */
export function record<K extends keyof RoomcastEvents>(client: RoomcastClient, event: K): RoomcastEvents[K][] {
  const seen: RoomcastEvents[K][] = [];
  client.on(event, (data) => seen.push(data));
  return seen;
}
