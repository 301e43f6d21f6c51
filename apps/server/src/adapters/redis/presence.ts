import type { Member, PresenceStore } from '../adapter.js';
import type { Client } from './client.js';
import { nodeKeys, roomKeys } from './keys.js';
import { call, runScript } from './run.js';
import { PRESENCE_REMOVE } from './scripts.js';

interface Entry {
  member: Member;
  node: string;
}

/**
 * Presence in one hash per room (clientId -> {member, node}). The node also keeps the set of
 * rooms it holds entries in (for the sweep after it dies) and a local copy of its own entries,
 * which it writes back when Redis lost them (restarted empty, or this node was wrongly swept).
 */
export class RedisPresence implements PresenceStore {
  private readonly own = new Map<string, Map<string, Member>>();

  constructor(
    private readonly cmd: Client,
    private readonly prefix: string,
    private readonly node: string,
  ) {}

  async add(room: string, member: Member, node: string): Promise<void> {
    const value = JSON.stringify({ member, node } satisfies Entry);
    // The room goes into the node's set first: a sweep may find a room with no entry, never the reverse.
    await call('presence', () => this.cmd.sAdd(nodeKeys(this.prefix, node).rooms, room));
    await call('presence', () => this.cmd.hSet(roomKeys(this.prefix, room).presence, member.clientId, value));
    if (node !== this.node) return;
    const entries = this.own.get(room) ?? new Map<string, Member>();
    this.own.set(room, entries);
    entries.set(member.clientId, member);
  }

  async remove(room: string, clientId: string, node: string): Promise<boolean> {
    if (node === this.node) this.forget(room, clientId);
    const removed = await runScript(
      this.cmd,
      PRESENCE_REMOVE,
      [roomKeys(this.prefix, room).presence],
      [clientId, node],
    );
    return removed === 1;
  }

  async list(room: string): Promise<Member[]> {
    const values = await call('presence', () => this.cmd.hVals(roomKeys(this.prefix, room).presence));
    const out: Member[] = [];
    for (const v of values) {
      try {
        out.push((JSON.parse(v) as Entry).member);
      } catch {
        // Not ours to judge: a malformed entry is skipped, the rest are listed.
      }
    }
    return out;
  }

  count(room: string): Promise<number> {
    return call('presence', () => this.cmd.hLen(roomKeys(this.prefix, room).presence));
  }

  /** This node's entries that Redis no longer has, written back; returns them (to announce when they were announced gone). */
  async restore(): Promise<{ room: string; member: Member }[]> {
    const restored: { room: string; member: Member }[] = [];
    for (const [room, entries] of this.own) {
      await call('presence', () => this.cmd.sAdd(nodeKeys(this.prefix, this.node).rooms, room));
      for (const member of entries.values()) {
        const value = JSON.stringify({ member, node: this.node } satisfies Entry);
        const added = await call('presence', () =>
          this.cmd.hSetNX(roomKeys(this.prefix, room).presence, member.clientId, value),
        );
        if (added === 1) restored.push({ room, member });
      }
    }
    return restored;
  }

  /** Rooms where this node holds entries. */
  ownRooms(): string[] {
    return [...this.own.keys()];
  }

  private forget(room: string, clientId: string): void {
    const entries = this.own.get(room);
    if (!entries?.delete(clientId) || entries.size > 0) return;
    this.own.delete(room);
    // Best effort: a stale room in the set only costs the sweep one empty look.
    void this.cmd.sRem(nodeKeys(this.prefix, this.node).rooms, room).catch(() => {});
  }
}
