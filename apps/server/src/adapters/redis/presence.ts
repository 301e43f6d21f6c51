import type { Member, PresenceStore } from '../adapter.js';
import type { Client } from './client.js';
import { nodeKeys, roomKeys } from './keys.js';
import { call, runScript } from './run.js';
import { PRESENCE_REMOVE } from './scripts.js';

interface Entry {
  member: Member;
  /** `<node id>/<connection serial>` (the hub's owner string). */
  owner: string;
}

export const nodeOf = (owner: string): string => owner.split('/')[0] as string;

/**
 * Presence in one hash per room (clientId -> {member, owner}). Each node also keeps the set of
 * rooms it holds entries in (for the sweep after it dies) and a local copy of its own entries,
 * which it writes back when Redis lost them (restarted empty, or this node was wrongly swept).
 */
export class RedisPresence implements PresenceStore {
  private readonly own = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly cmd: Client,
    private readonly prefix: string,
    private readonly node: string,
  ) {}

  async add(room: string, member: Member, owner: string): Promise<boolean> {
    const entry: Entry = { member, owner };
    // The room goes into the node's set first: a sweep may find a room with no entry, never the reverse.
    await call('presence', () => this.cmd.sAdd(nodeKeys(this.prefix, nodeOf(owner)).rooms, room));
    const added = await call('presence', () =>
      this.cmd.hSet(roomKeys(this.prefix, room).presence, member.clientId, JSON.stringify(entry)),
    );
    if (nodeOf(owner) === this.node) {
      const entries = this.own.get(room) ?? new Map<string, Entry>();
      this.own.set(room, entries);
      entries.set(member.clientId, entry);
    }
    return added === 0;
  }

  async remove(room: string, clientId: string, owner: string): Promise<boolean> {
    if (this.own.get(room)?.get(clientId)?.owner === owner) this.forget(room, clientId);
    const removed = await runScript(
      this.cmd,
      PRESENCE_REMOVE,
      [roomKeys(this.prefix, room).presence],
      [clientId, owner],
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
      for (const entry of entries.values()) {
        const added = await call('presence', () =>
          this.cmd.hSetNX(roomKeys(this.prefix, room).presence, entry.member.clientId, JSON.stringify(entry)),
        );
        if (added === 1) restored.push({ room, member: entry.member });
      }
    }
    return restored;
  }

  private forget(room: string, clientId: string): void {
    const entries = this.own.get(room);
    if (!entries?.delete(clientId) || entries.size > 0) return;
    this.own.delete(room);
    // Best effort: a stale room in the set only costs the sweep one empty look.
    void this.cmd.sRem(nodeKeys(this.prefix, this.node).rooms, room).catch(() => {});
  }
}
