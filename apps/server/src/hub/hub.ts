import { encodeServerEvent, type Message, type User } from '@roomcast/protocol';
import type { Adapter, AdapterSink, PresenceChange } from '../adapters/adapter.js';
import type { Metrics } from '../metrics.js';
import type { Connection } from './connection.js';

export type JoinOutcome = { ok: true; members: User[] } | { ok: false; code: 'too_many_rooms'; limit: number };

/**
 * This node's connections and room membership, and the fan-out hot path.
 * Everything that crosses nodes goes through the adapter; everything local happens here.
 */
export class Hub implements AdapterSink {
  readonly connections = new Map<string, Connection>();
  private readonly rooms = new Map<string, Set<Connection>>();

  constructor(
    readonly adapter: Adapter,
    private readonly metrics: Metrics,
    private readonly maxRoomsPerConnection: number,
  ) {}

  start(): Promise<void> {
    return this.adapter.start(this);
  }

  add(conn: Connection): void {
    this.connections.set(conn.id, conn);
    this.metrics.connections.set(this.connections.size);
  }

  /** Removes a closed connection and announces it leaving each of its rooms. */
  remove(conn: Connection): void {
    if (!this.connections.delete(conn.id)) return;
    this.metrics.connections.set(this.connections.size);
    for (const room of [...conn.rooms]) this.leave(conn, room);
  }

  roomNames(): { room: string; members: number }[] {
    return [...this.rooms].map(([room, members]) => ({ room, members: members.size }));
  }

  localMembers(room: string): User[] {
    const members = this.rooms.get(room);
    return members ? [...members].map((c) => c.user) : [];
  }

  /** Every member of a room across the cluster. */
  async members(room: string): Promise<User[]> {
    const remote = await this.adapter.remoteMembers(room);
    return [...remote, ...this.localMembers(room)];
  }

  /**
   * Adds a connection to a room. The local part of the member snapshot is taken in the same
   * tick as the add, so the joiner's snapshot and the `user:joined` events it sees never miss
   * a local member; the caller answers with the snapshot before anything else reaches the joiner.
   */
  async join(conn: Connection, room: string): Promise<JoinOutcome> {
    if (!conn.rooms.has(room) && conn.rooms.size >= this.maxRoomsPerConnection) {
      return { ok: false, code: 'too_many_rooms', limit: this.maxRoomsPerConnection };
    }
    const remote = await this.adapter.remoteMembers(room);
    // Already a member (joined twice, or concurrently), or closed while the adapter answered.
    if (conn.rooms.has(room) || !this.connections.has(conn.id)) {
      return { ok: true, members: [...remote, ...this.localMembers(room)] };
    }
    if (conn.rooms.size >= this.maxRoomsPerConnection)
      return { ok: false, code: 'too_many_rooms', limit: this.maxRoomsPerConnection };
    const local = this.localMembers(room);
    let members = this.rooms.get(room);
    if (!members) {
      members = new Set();
      this.rooms.set(room, members);
      this.metrics.rooms.set(this.rooms.size);
    }
    members.add(conn);
    conn.rooms.add(room);
    this.announce(room, 'joined', conn.user, conn);
    return { ok: true, members: [...remote, ...local, conn.user] };
  }

  /** Returns false when the connection was not in the room. */
  leave(conn: Connection, room: string): boolean {
    const members = this.rooms.get(room);
    if (!members?.delete(conn)) return false;
    conn.rooms.delete(room);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.metrics.rooms.set(this.rooms.size);
      this.adapter.roomEmptied(room);
    }
    this.announce(room, 'left', conn.user, conn);
    return true;
  }

  isMember(conn: Connection, room: string): boolean {
    return conn.rooms.has(room);
  }

  /** Sequences a message through the adapter and delivers it to every local member, sender included. */
  async publish(
    room: string,
    draft: Omit<Message, 'seq'>,
    source: 'ws' | 'http',
  ): Promise<{ message: Message; recipients: number }> {
    const message = await this.adapter.publish(room, draft);
    this.metrics.messages.inc({ source });
    const recipients = this.deliver(room, encodeServerEvent('message', message));
    // Publishing into a room nobody is in still lets the adapter retire its counter.
    if (!this.rooms.has(room)) this.adapter.roomEmptied(room);
    return { message, recipients };
  }

  onRemoteMessage(message: Message): void {
    this.deliver(message.room, encodeServerEvent('message', message));
  }

  onRemotePresence(room: string, change: PresenceChange, user: User): void {
    this.deliver(room, encodeServerEvent(change === 'joined' ? 'user:joined' : 'user:left', { room, user }));
  }

  /** Closes every connection (shutdown); their close handlers then remove them. */
  closeAll(): void {
    for (const conn of this.connections.values()) conn.close('going_away');
  }

  private announce(room: string, change: PresenceChange, user: User, subject: Connection): void {
    this.deliver(room, encodeServerEvent(change === 'joined' ? 'user:joined' : 'user:left', { room, user }), subject);
    this.adapter.presence(room, change, user).catch(() => this.metrics.dropped.inc({ reason: 'adapter' }));
  }

  /** The hot path: one encoding per broadcast, shared by every recipient. */
  private deliver(room: string, frame: string, except?: Connection): number {
    const members = this.rooms.get(room);
    if (!members) return 0;
    const bytes = Buffer.from(frame);
    let sent = 0;
    for (const conn of members) {
      if (conn !== except && conn.write(bytes)) sent++;
    }
    this.metrics.framesOut.inc(sent);
    this.metrics.fanout.observe(sent);
    return sent;
  }
}
