import type { User } from '@roomcast/protocol';

type Change = { kind: 'joined' | 'left'; user: User };

/**
 * Who is in each of the client's rooms: a snapshot from `welcome` or a join's ack, kept live by
 * `user:joined` / `user:left` or the entries of `presence:diff`. Events that arrive while a join
 * is in flight are replayed over its snapshot, so a member who arrives in between is not lost.
 * A large room's snapshot is capped by the server: the list is then the first members plus the
 * changes since, and the count is the room's total kept by the same changes.
 */
export class Presence {
  private readonly rooms = new Map<string, Map<string, User>>();
  private readonly counts = new Map<string, number>();
  private readonly recording = new Map<string, Change[]>();

  members(room: string): User[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  count(room: string): number | undefined {
    return this.counts.get(room);
  }

  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /** A join for the room is about to be sent. */
  expect(room: string): void {
    if (!this.recording.has(room)) this.recording.set(room, []);
  }

  /** The join failed: nothing to replay. */
  cancel(room: string): void {
    this.recording.delete(room);
  }

  /** The socket dropped: every snapshot in flight is lost. */
  cancelAll(): void {
    this.recording.clear();
  }

  /** `count` is the room's total when the server sends one (a capped list); else the list's length. */
  snapshot(room: string, members: User[], count = members.length): void {
    const map = new Map(members.map((u) => [u.id, u] as const));
    this.rooms.set(room, map);
    this.counts.set(room, count);
    for (const change of this.recording.get(room) ?? []) this.apply(room, map, change);
    this.recording.delete(room);
  }

  /** Returns whether the room is one this client tracks. */
  change(room: string, kind: Change['kind'], user: User): boolean {
    this.recording.get(room)?.push({ kind, user });
    const map = this.rooms.get(room);
    if (map) this.apply(room, map, { kind, user });
    return map !== undefined;
  }

  remove(room: string): void {
    this.rooms.delete(room);
    this.counts.delete(room);
    this.recording.delete(room);
  }

  private apply(room: string, map: Map<string, User>, { kind, user }: Change): void {
    const known = map.has(user.id);
    // A change already in the snapshot (replayed over it, or listed and announced) counts once.
    const count = this.counts.get(room) ?? map.size;
    if (kind === 'joined') {
      map.set(user.id, user);
      if (!known) this.counts.set(room, count + 1);
    } else {
      map.delete(user.id);
      this.counts.set(room, Math.max(map.size, count - 1));
    }
  }
}
