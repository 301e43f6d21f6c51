import { availableParallelism } from 'node:os';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Int = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description });

// An unset optional setting is the empty string, so every config value has one plain type.
const Str = (description: string) => Type.String({ default: '', description });

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
  WORKERS: Type.String({
    default: '1',
    pattern: '^(auto|[1-9][0-9]{0,2})$',
    description: 'Processes sharing the port (node:cluster), each a node of one cluster; auto: one per core',
  }),
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
  PRESENCE_EVENTS_MAX_MEMBERS: Int(
    1000,
    0,
    10_000_000,
    'Rooms with more members than this get no join/leave events (presence stays queryable); 0: none anywhere',
  ),
  MEMBER_LIST_MAX: Int(100, 1, 1000, 'Most members a welcome or join ack lists per room; the rest are paged'),
  PRESENCE_DIFF_MS: Int(100, 0, 60_000, "Interval over which presence:diff frames coalesce a room's changes"),
  ALLOWED_ORIGINS: Str(
    "Browser origins allowed to open sockets, comma-separated; * allows any. Unset: the server's own",
  ),
  AUTH_JWT_SECRET: Str('HS256 secret: every socket must present a JWT signed with it'),
  AUTH_JWT_PUBLIC_KEY: Str('PEM public key (RS256/ES256): every socket must present a JWT it verifies'),
  AUTH_JWKS_URL: Str('JWKS URL: every socket must present a JWT signed by one of its keys'),
  AUTH_JWKS_CACHE_MS: Int(
    600_000,
    0,
    86_400_000,
    'How long fetched JWKS keys are trusted before the next token refetches them (0: every token)',
  ),
  AUTH_JWT_ISSUER: Str('Required `iss` of tokens'),
  AUTH_JWT_AUDIENCE: Str('Required `aud` of tokens'),
  API_KEY: Str('Key for POST /rooms/:room/messages and GET /metrics (Bearer or x-api-key); unset: loopback only'),
  MAX_CONNECTIONS_PER_IP: Int(100, 1, 1_000_000, 'Open sockets (unfinished requests included) per client address'),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'Take the client address from X-Forwarded-For (behind a reverse proxy you trust)',
  }),
  HANDSHAKE_TIMEOUT_MS: Int(10000, 100, 600_000, 'A client must finish its HTTP request (headers) within this'),
  COALESCE_WRITES: Type.Boolean({
    default: true,
    description: "Gather a socket's frames of one event-loop turn into one write (fewer syscalls at high room rates)",
  }),
  PER_MESSAGE_DEFLATE: Type.Boolean({
    default: false,
    description: 'Offer permessage-deflate: compressed frames for clients that accept it, at a CPU cost per recipient',
  }),
  TLS_CERT_FILE: Str('PEM certificate chain: serve https/wss directly (with TLS_KEY_FILE)'),
  TLS_KEY_FILE: Str('PEM private key for TLS_CERT_FILE'),
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
  const v = value as Config;
  if (Boolean(v.TLS_CERT_FILE) !== Boolean(v.TLS_KEY_FILE))
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE: set both or neither');
  if ([v.AUTH_JWT_SECRET, v.AUTH_JWT_PUBLIC_KEY, v.AUTH_JWKS_URL].filter(Boolean).length > 1)
    problems.push('AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL: set at most one');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return value as Config;
}

/** How many worker processes WORKERS asks for. */
export const workerCount = (workers: string): number => (workers === 'auto' ? availableParallelism() : Number(workers));

export const defaultConfig: Config = loadConfig({});
