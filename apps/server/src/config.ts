import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Int = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description });

/** Environment variables the server reads; README's configuration table mirrors this schema. */
export const Config = Type.Object({
  PORT: Int(3000, 0, 65535, 'TCP port to listen on (0 picks a free one)'),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Interface to bind; 0.0.0.0 for all' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
  LOG_FORMAT: Type.Union(
    ['auto', 'pretty', 'json'].map((f) => Type.Literal(f)),
    { default: 'auto', description: 'auto: pretty on a terminal, JSON otherwise' },
  ),
  MAX_FRAME_BYTES: Int(65536, 256, 16 * 1024 * 1024, 'Largest inbound frame; bigger ones close the socket with 1009'),
  MAX_ROOMS_PER_CONNECTION: Int(32, 1, 10000, 'Rooms one connection may be in at once'),
  MAX_CONNECTIONS: Int(10000, 1, 1_000_000, 'Connections this node accepts; more are closed with 1013'),
  RATE_LIMIT_PER_SEC: Int(50, 1, 1_000_000, 'Sustained inbound frames per second per connection'),
  RATE_LIMIT_BURST: Int(100, 1, 1_000_000, 'Inbound frames a connection may send in a burst'),
  MAX_BUFFERED_BYTES: Int(
    1024 * 1024,
    1024,
    1024 * 1024 * 1024,
    'Unsent bytes queued for one connection before it is closed as a slow consumer (4001)',
  ),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'Redis to run several nodes as one (redis://host:6379); unset: one node, in memory',
    }),
  ),
  REDIS_PREFIX: Type.String({ default: 'roomcast:', description: 'Prefix of every Redis key and channel' }),
  NODE_TTL_MS: Int(
    10000,
    300,
    600_000,
    'Redis: a node silent this long is dead; its members are announced gone within 1.2x this',
  ),
  HEARTBEAT_MS: Int(30000, 0, 3_600_000, 'Ping interval; a peer that misses a whole interval is dropped (0 disables)'),
  HISTORY_SIZE: Int(1000, 0, 1_000_000, 'Messages kept per room for resume and `join` with `since`'),
  HISTORY_MAX_BYTES: Int(
    64 * 1024 * 1024,
    0,
    64 * 1024 * 1024 * 1024,
    'In-memory adapter: bytes of history across all rooms; the rooms empty longest lose theirs first',
  ),
  RESUME_WINDOW_MS: Int(120_000, 0, 86_400_000, 'How long a dropped client may resume with its token'),
  PRESENCE_GRACE_MS: Int(5000, 0, 600_000, 'How long a dropped connection stays present before user:left'),
});
export type Config = Static<typeof Config>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration from environment-like strings, applying defaults; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(Config.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const value = Value.Convert(Config, Value.Default(Config, picked));
  const problems = [...Value.Errors(Config, value)].map((e) => {
    const key = e.path.slice(1);
    // "Expected union value" tells a person nothing; the allowed words do.
    const choices = (e.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => s.const);
    return `${key}=${JSON.stringify(env[key])}: ${choices ? `expected one of ${choices.join(', ')}` : e.message}`;
  });
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return value as Config;
}

export const defaultConfig: Config = loadConfig({});
