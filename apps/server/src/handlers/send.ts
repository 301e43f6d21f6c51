import type { Handler } from './handler.js';
import { fail } from './handler.js';

export const send: Handler<'send'> = async (hub, conn, { room, text, clientMsgId }) => {
  if (!conn.rooms.has(room)) return fail('not_in_room', `Join room "${room}" before sending to it`);
  const draft = { room, from: conn.user, text, sentAt: Date.now(), ...(clientMsgId ? { clientMsgId } : {}) };
  const message = await hub.publish(room, draft, 'ws');
  return { ok: true, result: { room, seq: message.seq } };
};
