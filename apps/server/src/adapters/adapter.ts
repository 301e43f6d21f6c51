import type { Message, User } from '@roomcast/protocol';

export type PresenceChange = 'joined' | 'left';

/** What an adapter calls back on this node's hub when another node speaks. */
export interface AdapterSink {
  /** A message sequenced on another node; deliver it to local members of its room. */
  onRemoteMessage(message: Message): void;
  /** A member joined or left a room on another node; tell local members. */
  onRemotePresence(room: string, change: PresenceChange, user: User): void;
  /** This node's members of a room, for cluster-wide presence. */
  localMembers(room: string): User[];
}

/**
 * Carries messages and presence between nodes (socket.io's adapter, centrifuge's broker).
 * The hub owns connections and rooms; an adapter never touches a socket. A node's own
 * messages are delivered locally by its hub; the adapter must not hand them back.
 */
export interface Adapter {
  readonly name: string;
  start(sink: AdapterSink): Promise<void>;
  /** Assigns the room's next seq and carries the message to the other nodes. */
  publish(room: string, draft: Omit<Message, 'seq'>): Promise<Message>;
  /** Announces a presence change made on this node to the other nodes. */
  presence(room: string, change: PresenceChange, user: User): Promise<void>;
  /** Members of a room on the other nodes (this node's are the hub's own). */
  remoteMembers(room: string): Promise<User[]>;
  /** The room has no members left on this node; the adapter may retire its state if none remain anywhere. */
  roomEmptied(room: string): void;
  close(): Promise<void>;
  /** Whether the backing service (e.g. Redis) is reachable now; GET /readyz reports it. Absent: always. */
  ready?(): boolean;
}
