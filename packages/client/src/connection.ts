import { shouldReconnect } from '@roomcast/protocol';
import { backoffDelay, type ReconnectOptions } from './backoff.js';
import { RoomcastError } from './errors.js';
import { defaultWebSocket, OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

/**
 * `connecting`: first connection under way. `open`: the server's welcome arrived.
 * `reconnecting`: lost, waiting for the next attempt or making it. `closed`: for good, until connect().
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** While reconnecting: the attempt about to be made (1-based) and the wait before it. */
  attempt?: number;
  delayMs?: number;
  /** Close code and reason of the socket that just ended, when one did. */
  code?: number;
  reason?: string;
  /** Why the client stopped, when state is `closed`. */
  error?: RoomcastError;
}

export interface ConnectionOptions {
  /** Called for every attempt, so the URL can carry what the client knows by then (its name, a room). */
  url: () => string;
  WebSocket: WebSocketConstructor | undefined;
  reconnect: ReconnectOptions;
  /** How long an attempt may take from opening the socket to ready(). */
  connectTimeoutMs: number;
  random: () => number;
}

export interface ConnectionHooks {
  frame(data: unknown): void;
  /** The socket ended; calls in flight on it are lost. Runs before any reconnect is scheduled. */
  dropped(code: number, reason: string): void;
  state(change: StateChange): void;
}

// A socket abandoned by us ended without a close handshake; 1006 is the code browsers report for that.
const ABNORMAL = 1006;

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Not null: `ws` reports a handshake aborted by close() as an 'error' event, which Node throws
  // when nothing listens.
  socket.onerror = () => {};
}

/** One logical connection over successive sockets: lifecycle, timeouts and backoff. Knows no events. */
export class Connection {
  private current: ConnectionState = 'connecting';
  private socket: WebSocketLike | null = null;
  private opening = false;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private ctor: WebSocketConstructor | undefined;
  // Bumped by close() so a socket still being created after it is discarded.
  private generation = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.ctor = options.WebSocket;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Connects now: the first time, again after `closed`, or skipping the wait before a reconnect. */
  start(): void {
    if (this.socket || this.opening) return;
    clearTimeout(this.retryTimer);
    if (this.current === 'closed') {
      this.attempts = 0;
      this.setState({ state: 'connecting' });
    }
    void this.open();
  }

  /** The server's handshake (welcome) completed: the connection is usable and the backoff starts over. */
  ready(): void {
    clearTimeout(this.connectTimer);
    this.attempts = 0;
    if (this.current !== 'open') this.setState({ state: 'open' });
  }

  /** Writes a frame if a socket is open; false otherwise. */
  send(raw: string): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(raw);
    return true;
  }

  /** Closes for good; nothing reconnects until start(). */
  close(code = 1000, reason = 'Closed by the client'): void {
    this.generation++;
    this.opening = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      try {
        socket.close(code, reason);
      } catch {
        // Already closing; nothing more to do.
      }
      this.hooks.dropped(code, reason);
    }
    if (this.current !== 'closed') this.finish(new RoomcastError('closed', reason), code, reason);
  }

  private async open(): Promise<void> {
    const generation = this.generation;
    this.opening = true;
    try {
      this.ctor ??= await defaultWebSocket();
    } catch (err) {
      this.opening = false;
      if (generation === this.generation)
        this.finish(err instanceof RoomcastError ? err : new RoomcastError('no_websocket'));
      return;
    }
    if (generation !== this.generation) return;
    this.opening = false;
    let socket: WebSocketLike;
    try {
      socket = new this.ctor(this.options.url());
    } catch (err) {
      // A malformed URL: no attempt can ever succeed.
      this.finish(new RoomcastError('closed', `Cannot open a WebSocket: ${(err as Error).message}`));
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => this.hooks.frame(event.data);
    socket.onclose = (event) => this.ended(socket, event.code, event.reason);
    // The close event that follows every error is what the client acts on.
    socket.onerror = () => {};
    this.connectTimer = setTimeout(() => {
      detach(socket);
      try {
        socket.close();
      } catch {
        // Closing a socket that never opened can throw in some implementations.
      }
      this.ended(socket, ABNORMAL, `No welcome within ${this.options.connectTimeoutMs} ms`);
    }, this.options.connectTimeoutMs);
  }

  private ended(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    detach(socket);
    this.socket = null;
    clearTimeout(this.connectTimer);
    this.hooks.dropped(code, reason);
    const policy = this.options.reconnect;
    const detail = `${code}${reason ? ` ${reason}` : ''}`;
    if (!policy.enabled || !shouldReconnect(code)) {
      this.finish(new RoomcastError('closed', `The server closed the connection (${detail})`), code, reason);
      return;
    }
    this.attempts++;
    if (this.attempts > policy.maxAttempts) {
      const message = `Gave up after ${policy.maxAttempts} reconnect attempts (last close: ${detail})`;
      this.finish(new RoomcastError('closed', message), code, reason);
      return;
    }
    const delayMs = backoffDelay(this.attempts, policy, this.options.random);
    this.setState({ state: 'reconnecting', attempt: this.attempts, delayMs, code, reason });
    this.retryTimer = setTimeout(() => void this.open(), delayMs);
  }

  private finish(error: RoomcastError, code?: number, reason?: string): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const change: Omit<StateChange, 'previous'> = { state: 'closed', error };
    if (code !== undefined) change.code = code;
    if (reason !== undefined) change.reason = reason;
    this.setState(change);
  }

  private setState(change: Omit<StateChange, 'previous'>): void {
    const previous = this.current;
    this.current = change.state;
    this.hooks.state({ ...change, previous });
  }
}
