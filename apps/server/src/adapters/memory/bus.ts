import type { Message } from '@roomcast/protocol';
import type { AdapterSink, Member, PresenceChange, Session } from '../adapter.js';
import { RoomLog } from './room-log.js';

export interface MemoryBusOptions {
  /** Messages kept per room for resume. */
  historySize?: number;
  /** Bytes of history kept across all rooms; the rooms empty longest lose theirs first. */
  historyMaxBytes?: number;
  /** Counters kept for rooms nobody is in, most recently emptied first. */
  retainEmptied?: number;
}

interface Entry {
  member: Member;
  owner: string;
}

/**
 * What several in-process nodes share: room logs (counter, epoch, history), presence and resume
 * sessions. One bus per process is a single-node cluster; tests put several nodes on one bus to
 * exercise the cluster seam without Redis.
 */
export class MemoryBus {
  readonly historySize: number;
  private readonly historyMaxBytes: number;
  private readonly retainEmptied: number;
  private readonly logs = new Map<string, RoomLog>();
  private historyBytes = 0;
  /** Rooms with neither subscribers nor presence, oldest first: the first to be forgotten. */
  private readonly emptied = new Set<string>();
  readonly subscribers = new Map<string, Set<AdapterSink>>();
  readonly presence = new Map<string, Map<string, Entry>>();
  readonly sessions = new Map<string, { session: Session; expires: number }>();

  constructor(options: MemoryBusOptions = {}) {
    this.historySize = options.historySize ?? 1000;
    this.historyMaxBytes = options.historyMaxBytes ?? 64 * 1024 * 1024;
    this.retainEmptied = options.retainEmptied ?? 10_000;
  }

  log(room: string): RoomLog {
    let log = this.logs.get(room);
    if (!log) {
      log = new RoomLog(this.historySize);
      this.logs.set(room, log);
    }
    return log;
  }

  /** Sequences and records a message, then hands it to every subscribed node in that order. */
  publish(room: string, draft: Omit<Message, 'seq'>, floor: number): { message: Message; epoch: string } {
    const log = this.log(room);
    const before = log.bytes;
    const message = log.append(draft, floor);
    this.historyBytes += log.bytes - before;
    this.enforceByteCap(log);
    for (const sink of this.subscribers.get(room) ?? []) sink.onMessage(message, log.epoch);
    this.touch(room);
    return { message, epoch: log.epoch };
  }

  announce(from: AdapterSink, room: string, change: PresenceChange, member: Member): void {
    for (const sink of this.subscribers.get(room) ?? []) if (sink !== from) sink.onPresence(room, change, member);
  }

  /** Notes whether a room is in use, so an unused one can eventually be retired. */
  touch(room: string): void {
    const used = (this.subscribers.get(room)?.size ?? 0) > 0 || (this.presence.get(room)?.size ?? 0) > 0;
    this.emptied.delete(room);
    if (used) return;
    this.emptied.add(room);
    for (const oldest of this.emptied) {
      if (this.emptied.size <= this.retainEmptied) break;
      this.retire(oldest);
    }
  }

  private retire(room: string): void {
    this.emptied.delete(room);
    const log = this.logs.get(room);
    if (!log) return;
    this.historyBytes -= log.bytes;
    this.logs.delete(room);
  }

  /** Over the byte cap: forget the rooms empty longest, then trim the room just written. */
  private enforceByteCap(current: RoomLog): void {
    for (const room of this.emptied) {
      if (this.historyBytes <= this.historyMaxBytes) return;
      this.retire(room);
    }
    while (this.historyBytes > this.historyMaxBytes) {
      const before = current.bytes;
      if (!current.dropOldest()) return;
      this.historyBytes -= before - current.bytes;
    }
  }
}
