import type { ClientEventName } from '@roomcast/protocol';
import type { Handler } from './handler.js';
import { join } from './join.js';
import { leave } from './leave.js';
import { members } from './members.js';
import { refresh } from './refresh.js';
import { send } from './send.js';

export type { Handler, HandlerResult } from './handler.js';

/** Every client event has exactly one handler; adding an event to the protocol fails typecheck here. */
export const handlers: { [K in ClientEventName]: Handler<K> } = { join, leave, send, refresh, members };
