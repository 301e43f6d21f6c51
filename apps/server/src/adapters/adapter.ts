import type { Message, StreamPosition, User } from '@roomcast/protocol';

/** A presence entry: a user on one connection. */
export type Member = User & { clientId: string };

export type PresenceChange = 'joined' | 'left';

/** What the broker hands a node's hub: every event of every room the node subscribed. */
export interface BrokerSink {
  /**
   * A message of a subscribed room, this node's own included, in the room's `seq` order as the
   * broker emits them. `epoch` is the room's epoch when it was sequenced.
   */
  onMessage(message: Message, epoch: string): void;
  /** A presence change made on another node (a node's own never come back to it). */
  onPresence(room: string, change: PresenceChange, member: Member): void;
}

/** What a resuming client gets back for one room. */
export type HistoryResult =
  /** Every message after `since`, in order; `position` is where they end (the room's latest). */
  | { recovered: true; messages: Message[]; position: StreamPosition }
  /**
   * The history no longer covers the gap: `missing` is the inclusive `seq` range that is gone.
   * When `since` is from another epoch, what the old life said after it is unknown: `missing`
   * then starts at min(since.seq + 1, first kept seq) and may be empty (from > to). `messages`
   * holds what is still there after the hole, in order.
   */
  | { recovered: false; messages: Message[]; position: StreamPosition; missing: { from: number; to: number } };

/**
 * Carries messages between nodes and keeps each room's history (centrifuge's Broker).
 * A room's messages are numbered `(epoch, seq)` by the broker, atomically with appending them to
 * its history and publishing them, so every subscriber sees one order.
 */
export interface Broker {
  /** Starts receiving a room's events; resolves once nothing published afterwards can be missed. */
  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  /**
   * Sequences a message, appends it to the room's history and publishes it to every subscribed
   * node, this one included. `floor` is the highest seq this node has seen in the room, so a
   * broker that lost its state never numbers below what members already have.
   */
  publish(room: string, draft: Omit<Message, 'seq'>, floor: number): Promise<{ message: Message; epoch: string }>;
  /** Tells the other nodes' members of a presence change made on this node. */
  announce(room: string, change: PresenceChange, member: Member): Promise<void>;
  /** The room's latest position (seq 0 and a fresh epoch for a room never written). */
  position(room: string): Promise<StreamPosition>;
  /** Messages after `since` (at most `limit`, the newest); see HistoryResult. */
  history(room: string, since: StreamPosition, limit: number): Promise<HistoryResult>;
}

/**
 * Who is in each room across the cluster (centrifuge's PresenceManager). Entries are per
 * connection and record their `owner`: `<node id>/<connection serial>`, so a dead node's entries
 * can be found (by the node id before the slash) and removed, and a connection that resumed
 * (on another node, or on this one as a new socket) is not announced gone by the old socket.
 */
export interface PresenceStore {
  /** Adds, or takes over, a connection's entry; true when an entry for `clientId` was there already. */
  add(room: string, member: Member, owner: string): Promise<boolean>;
  /** Removes the entry only while `owner` still holds it; true when it did. */
  remove(room: string, clientId: string, owner: string): Promise<boolean>;
  list(room: string): Promise<Member[]>;
  /** Number of members, where the store can count without listing. */
  count(room: string): Promise<number>;
}

/** What a resume token stands for: the identity and rooms of the connection that held it. */
export interface Session {
  clientId: string;
  user: Member;
  rooms: string[];
}

/** Resume tokens, shared by every node so a client may come back on any of them. */
export interface SessionStore {
  /** Stores (or refreshes) a session; it expires `ttlMs` after the last save. */
  save(token: string, session: Session, ttlMs: number): Promise<void>;
  /** Returns and deletes the session: a token works once. */
  take(token: string): Promise<Session | undefined>;
  drop(token: string): Promise<void>;
}

export interface AdapterSink extends BrokerSink {}

/** Thrown by adapter calls while a backing service is unreachable; clients get `unavailable`. */
export class AdapterUnavailableError extends Error {
  override name = 'AdapterUnavailableError';
}

/**
 * The cluster seam: one broker, one presence store, one session store, plus this node's identity.
 * `memory` (one process, or several nodes on one MemoryBus in tests) and `redis` implement it.
 */
export interface Adapter {
  readonly name: string;
  /** This node's id, unique in the cluster. */
  readonly node: string;
  /** Whether events cross nodes (Redis) or stay in this process. */
  readonly scope: 'node' | 'cluster';
  readonly broker: Broker;
  readonly presence: PresenceStore;
  readonly sessions: SessionStore;
  start(sink: AdapterSink): Promise<void>;
  /** False while a backing service is unreachable (GET /readyz). */
  ready(): boolean;
  close(): Promise<void>;
}
