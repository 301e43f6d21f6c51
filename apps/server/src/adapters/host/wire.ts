import type { Message } from '@roomcast/protocol';
import type { Member, PresenceChange } from '../adapter.js';

/**
 * What a worker and the primary's bus say over the cluster IPC channel. Every message carries
 * `rc`, so ours are told apart from other users of the channel (prom-client's metric requests).
 */
export type Op =
  | 'attach'
  | 'detach'
  | 'subscribe'
  | 'unsubscribe'
  | 'publish'
  | 'announce'
  | 'position'
  | 'history'
  | 'presence.add'
  | 'presence.remove'
  | 'presence.list'
  | 'presence.count'
  | 'sessions.save'
  | 'sessions.take'
  | 'sessions.drop';

/** Worker to primary: one call of the adapter seam, answered by the `res` with the same id. */
export interface HostRequest {
  rc: 'req';
  id: number;
  op: Op;
  args: unknown[];
}

/** Primary to worker. `msg` and `presence` are pushed events of the rooms the worker subscribed. */
export type HostReply =
  | { rc: 'res'; id: number; ok: true; value?: unknown }
  | { rc: 'res'; id: number; ok: false; error: string }
  | { rc: 'msg'; message: Message; epoch: string }
  | { rc: 'presence'; room: string; change: PresenceChange; member: Member };

export const isHostRequest = (m: unknown): m is HostRequest => (m as HostRequest | null)?.rc === 'req';

export const isHostReply = (m: unknown): m is HostReply => {
  const rc = (m as HostReply | null)?.rc;
  return rc === 'res' || rc === 'msg' || rc === 'presence';
};
