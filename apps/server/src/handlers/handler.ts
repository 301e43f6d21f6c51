import type { AckResultMap, ClientEventMap, ClientEventName, ErrorCode } from '@roomcast/protocol';
import type { Connection } from '../hub/connection.js';
import type { Hub } from '../hub/hub.js';

export type HandlerResult<K extends ClientEventName> =
  /**
   * `after` runs once the ack is written (a join lets its room's traffic through then). `presence`
   * is a join's room size and whether it is announced, for the welcome even when the ack leaves it out.
   */
  | { ok: true; result: AckResultMap[K]; after?: () => void; presence?: { memberCount: number; events: boolean } }
  | { ok: false; code: ErrorCode; message?: string };

/** One client event: validated data in, an ack result or a protocol error out. */
export type Handler<K extends ClientEventName> = (
  hub: Hub,
  conn: Connection,
  data: ClientEventMap[K],
) => Promise<HandlerResult<K>>;

export const fail = (code: ErrorCode, message?: string) => ({
  ok: false as const,
  code,
  ...(message ? { message } : {}),
});
