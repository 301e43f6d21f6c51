import { type ClientEventMap, type ClientEventName, encodeClientEvent } from '@roomcast/protocol';
import { RoomcastError } from './errors.js';

export interface Pending {
  readonly id: number;
  readonly event: ClientEventName;
  readonly data: ClientEventMap[ClientEventName];
  resolve(result: unknown): void;
  reject(error: RoomcastError): void;
}

/** How one call is timed and what happens to it when it cannot be sent or its socket drops. */
export interface CallPlan {
  /** Reply deadline, counted from each time the call is written to a socket. */
  timeoutMs: number;
  /** How long the call may wait for a connection, counted from each time it starts waiting. */
  offlineTimeoutMs: number;
  /** Whether the call may wait for a connection when it cannot be sent now; else it rejects with `disconnected`. */
  queue: boolean;
  /**
   * Whether the call goes back to waiting when the socket it went out on drops, to be sent
   * again (same frame) once the connection is back; else it rejects with `disconnected`.
   */
  resend: boolean;
}

interface Entry extends Pending {
  readonly frame: string;
  readonly plan: CallPlan;
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const MAX_ID = 2 ** 31 - 1;

/**
 * Calls awaiting their one `ack` or `error`, by request id. A call is either sent (in flight,
 * under its reply timeout) or waiting for the connection (under its offline deadline), so no
 * call waits forever; the reply timeout only starts when the call is actually written.
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
  start<K extends ClientEventName>(event: K, data: ClientEventMap[K], plan: CallPlan, now: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.allocateId();
      const frame = encodeClientEvent(event, data, id);
      const entry: Entry = { id, event, data, frame, plan, sent: false, timer: undefined, resolve, reject };
      if (now && this.transport(frame)) {
        this.entries.set(id, entry);
        this.markSent(entry);
        return;
      }
      if (!plan.queue) {
        reject(new RoomcastError('disconnected', `Not connected: ${event} was not sent`, id));
        return;
      }
      if (this.queued >= this.maxQueued) {
        reject(new RoomcastError('queue_full', `The offline queue holds at most ${this.maxQueued} calls`, id));
        return;
      }
      this.entries.set(id, entry);
      this.queued++;
      this.markWaiting(entry);
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

  /** Calls waiting for the connection, in the order they were made. */
  waiting(): Pending[] {
    return [...this.entries.values()].filter((entry) => !entry.sent);
  }

  /** Sends waiting calls in the order they were made. */
  flush(): void {
    for (const entry of this.entries.values()) {
      if (entry.sent) continue;
      if (!this.transport(entry.frame)) return;
      clearTimeout(entry.timer);
      this.queued--;
      this.markSent(entry);
    }
  }

  /**
   * The socket ended: no reply will come for the calls sent on it. Those to resend go back to
   * waiting, ahead of later calls (entries keep their order); the others reject with `disconnected`.
   */
  dropInFlight(): void {
    for (const entry of [...this.entries.values()]) {
      if (!entry.sent) continue;
      clearTimeout(entry.timer);
      if (entry.plan.resend) {
        entry.sent = false;
        this.queued++;
        this.markWaiting(entry);
        continue;
      }
      this.take(entry.id);
      entry.reject(
        new RoomcastError('disconnected', `The connection dropped before ${entry.event} was answered`, entry.id),
      );
    }
  }

  /** Rejects every call, sent or waiting. */
  rejectAll(error: (entry: Pending) => RoomcastError): void {
    for (const entry of [...this.entries.values()]) {
      this.take(entry.id);
      entry.reject(error(entry));
    }
  }

  private markSent(entry: Entry): void {
    entry.sent = true;
    const { timeoutMs } = entry.plan;
    entry.timer = setTimeout(() => {
      if (this.take(entry.id))
        entry.reject(new RoomcastError('timeout', `${entry.event} got no reply within ${timeoutMs} ms`, entry.id));
    }, timeoutMs);
  }

  private markWaiting(entry: Entry): void {
    const { offlineTimeoutMs } = entry.plan;
    entry.timer = setTimeout(() => {
      if (!this.take(entry.id)) return;
      const message = `No connection within ${offlineTimeoutMs} ms; ${entry.event} was given up before it could be sent`;
      entry.reject(new RoomcastError('offline_timeout', message, entry.id));
    }, offlineTimeoutMs);
  }

  private allocateId(): number {
    do this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    while (this.entries.has(this.nextId));
    return this.nextId;
  }
}
