import type { Session, SessionStore } from '../adapter.js';
import type { Client } from './client.js';
import { sessionKey } from './keys.js';
import { call } from './run.js';

/** Resume tokens as plain keys with a TTL; GETDEL (Redis 6.2+) makes a token single-use across nodes. */
export class RedisSessions implements SessionStore {
  constructor(
    private readonly cmd: Client,
    private readonly prefix: string,
  ) {}

  async save(token: string, session: Session, ttlMs: number): Promise<void> {
    await call('sessions', () => this.cmd.set(sessionKey(this.prefix, token), JSON.stringify(session), { PX: ttlMs }));
  }

  async take(token: string): Promise<Session | undefined> {
    const raw = await call('sessions', () => this.cmd.getDel(sessionKey(this.prefix, token)));
    if (typeof raw !== 'string') return undefined;
    try {
      return JSON.parse(raw) as Session;
    } catch {
      return undefined;
    }
  }

  async drop(token: string): Promise<void> {
    await call('sessions', () => this.cmd.del(sessionKey(this.prefix, token)));
  }
}
