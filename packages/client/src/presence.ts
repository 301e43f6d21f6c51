import type { User } from '@roomcast/protocol';

type Change = { kind: 'joined' | 'left'; user: User };

/**
 * Who is in each of the client's rooms: a snapshot from `welcome` or a join's ack, kept live by
 * `user:joined` / `user:left`. Events that arrive while a join is in flight are replayed over its
 * snapshot, so a member who arrives in between is not lost.
 */
export class Presence {
  private readonly rooms = new Map<string, Map<string, User>>();
  private readonly recording = new Map<string, Change[]>();

  members(room: string): User[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
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

  snapshot(room: string, members: User[]): void {
    const map = new Map(members.map((u) => [u.id, u] as const));
    this.rooms.set(room, map);
    for (const change of this.recording.get(room) ?? []) this.apply(map, change);
    this.recording.delete(room);
  }

  /** Returns whether the room is one this client tracks. */
  change(room: string, kind: Change['kind'], user: User): boolean {
    this.recording.get(room)?.push({ kind, user });
    const map = this.rooms.get(room);
    if (map) this.apply(map, { kind, user });
    return map !== undefined;
  }

  remove(room: string): void {
    this.rooms.delete(room);
    this.recording.delete(room);
  }

  private apply(map: Map<string, User>, { kind, user }: Change): void {
    if (kind === 'joined') map.set(user.id, user);
    else map.delete(user.id);
  }
}
