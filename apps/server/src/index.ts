export type { Adapter, AdapterSink, PresenceChange } from './adapters/adapter.js';
export { MemoryAdapter, MemoryBus } from './adapters/memory.js';
export { type BuildAppOptions, buildApp } from './app.js';
export { Config, ConfigError, defaultConfig, loadConfig } from './config.js';
export { Hub } from './hub/hub.js';
