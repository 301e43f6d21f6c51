export type {
  Adapter,
  AdapterSink,
  Broker,
  HistoryResult,
  Member,
  PresenceChange,
  PresenceStore,
  Session,
  SessionStore,
} from './adapters/adapter.js';
export { AdapterUnavailableError } from './adapters/adapter.js';
export { MemoryAdapter, MemoryBus } from './adapters/memory/index.js';
export { type BuildAppOptions, buildApp } from './app.js';
export { Config, ConfigError, defaultConfig, loadConfig } from './config.js';
export { Hub } from './hub/hub.js';
