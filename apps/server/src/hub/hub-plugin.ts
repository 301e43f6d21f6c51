import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Adapter } from '../adapters/adapter.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { Hub } from './hub.js';
import { startLiveness } from './liveness.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
    roomcastConfig: Config;
    metrics: Metrics;
  }
}

export interface HubPluginOptions {
  config: Config;
  adapter: Adapter;
  metrics: Metrics;
}

/** Owns the hub, its adapter and the heartbeat; stops all three when the app closes. */
export const hubPlugin = fp<HubPluginOptions>(
  async (app: FastifyInstance, { config, adapter, metrics }) => {
    const hub = new Hub(adapter, metrics, {
      maxRoomsPerConnection: config.MAX_ROOMS_PER_CONNECTION,
      presenceGraceMs: config.PRESENCE_GRACE_MS,
      resumeWindowMs: config.RESUME_WINDOW_MS,
      replayLimit: Math.max(1, config.HISTORY_SIZE),
      presenceEventsMaxMembers: config.PRESENCE_EVENTS_MAX_MEMBERS,
      memberListMax: config.MEMBER_LIST_MAX,
      presenceDiffMs: config.PRESENCE_DIFF_MS,
    });
    await hub.start();
    app.decorate('hub', hub);
    app.decorate('roomcastConfig', config);
    app.decorate('metrics', metrics);

    const stopLiveness = startLiveness(hub, config.HEARTBEAT_MS);

    app.addHook('onClose', async () => {
      stopLiveness();
      hub.close();
      await adapter.close();
    });
  },
  { name: 'roomcast-hub', fastify: '5.x' },
);
