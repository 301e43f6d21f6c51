import { type ClientEventMap, type ClientEventName, encodeClientEvent } from '@roomcast/protocol';
import { RoomcastError } from './errors.js';

export interface Pending {
  readonly id: number;
  readonly event: ClientEventName;
  readonly data: ClientEventMap[ClientEventName];
  resolve(result: unknown): void;
  reject(error: RoomcastError): void;
}

interface Entry extends Pending {
  readonly frame: string;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_ID = 2 ** 31 - 1;

/**
 * Calls awaiting their one `ack` or `error`, by request id, each with its own timeout.
 * A call is either sent (in flight) or queued until the connection is back; the timeout
 * covers both, so no call waits forever.
 */
export class Requests {
  private readonly entries = new Map<number, Entry>();
  private nextId = 0;
  private queued = 0;

  constructor(
    private readonly transport: (raw: string) => boolean,
    private readonly maxQueued: number,
  ) {}

  /** Starts a call: sends it now when `now` and the transport takes it, otherwise queues it. */
  start<K extends ClientEventName>(
    event: K,
    data: ClientEventMap[K],
    timeoutMs: number,
    now: boolean,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.allocateId();
      const frame = encodeClientEvent(event, data, id);
      const sent = now && this.transport(frame);
      if (!sent && this.queued >= this.maxQueued) {
        reject(new RoomcastError('queue_full', `The offline queue holds at most ${this.maxQueued} calls`, id));
        return;
      }
      const timer = setTimeout(() => {
        if (this.take(id)) reject(new RoomcastError('timeout', `${event} got no reply within ${timeoutMs} ms`, id));
      }, timeoutMs);
      if (!sent) this.queued++;
      this.entries.set(id, { id, event, data, frame, sent, timer, resolve, reject });
    });
  }

  /** Removes a call to settle it (its reply arrived); undefined when unknown, e.g. after its timeout. */
  take(id: number): Pending | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    if (!entry.sent) this.queued--;
    return entry;
  }

  /** Sends queued calls in the order they were made. */
  flush(): void {
    for (const entry of this.entries.values()) {
      if (entry.sent) continue;
      if (!this.transport(entry.frame)) return;
      entry.sent = true;
      this.queued--;
    }
  }

  /** The socket ended: calls sent on it will never get their reply. Queued calls keep waiting. */
  dropInFlight(): void {
    for (const entry of [...this.entries.values()]) {
      if (!entry.sent) continue;
      this.take(entry.id);
      entry.reject(
        new RoomcastError('disconnected', `The connection dropped before ${entry.event} was answered`, entry.id),
      );
    }
  }

  /** Rejects every call, sent or queued. */
  rejectAll(error: (entry: Pending) => RoomcastError): void {
    for (const entry of [...this.entries.values()]) {
      this.take(entry.id);
      entry.reject(error(entry));
    }
  }

  private allocateId(): number {
    do this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    while (this.entries.has(this.nextId));
    return this.nextId;
  }
}
