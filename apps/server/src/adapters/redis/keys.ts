/**
 * Every key and channel the Redis adapter uses, in one place. A room's keys share the hash tag
 * `{room}` so its counter, history, presence and channel live on one Redis Cluster shard, which
 * the Lua scripts (one slot per call) and sharded pub/sub require.
 */
export function roomKeys(prefix: string, room: string) {
  const base = `${prefix}{${room}}`;
  return {
    /** Hash: `epoch` (this life of the room) and `seq` (the last seq given out). */
    meta: `${base}:meta`,
    /** Stream of the room's messages; entry id `<seq>-0`, field `m` the encoded message. */
    stream: `${base}:stream`,
    /** Hash: clientId -> JSON {member, node}. */
    presence: `${base}:presence`,
    /** Shard channel carrying the room's messages and presence changes. */
    channel: `${base}:ch`,
  };
}

export type RoomKeys = ReturnType<typeof roomKeys>;

export function nodeKeys(prefix: string, node: string) {
  return {
    /** Liveness: a string with a TTL the node keeps renewing. */
    alive: `${prefix}node:${node}`,
    /** Set of rooms the node has presence entries in, so a sweep knows where to look. */
    rooms: `${prefix}node:${node}:rooms`,
    /** Held by the node that sweeps this one after it died, so only one announces. */
    sweepLock: `${prefix}node:${node}:sweep`,
    /** Left by a sweep: if the node was alive after all, it announces its members joined again. */
    swept: `${prefix}node:${node}:swept`,
  };
}

/** Set of every node id that has registered and not yet been swept. */
export const nodesKey = (prefix: string) => `${prefix}nodes`;

export const sessionKey = (prefix: string, token: string) => `${prefix}session:${token}`;
