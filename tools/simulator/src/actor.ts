import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from '@roomcast/measure';
import { clientRng, expDelay, pick } from './prng.js';
import { Session } from './session.js';
import type { ScriptParams } from './wire.js';
import type { WorkerContext } from './worker-context.js';

const PROFILES = {
  // Mostly chat, sometimes move between rooms, rarely reconnect.
  chat: { send: 0.66, join: 0.12, leave: 0.1, probe: 0.04 },
  // Mostly come and go (churn scenario).
  churn: { send: 0.22, join: 0.1, leave: 0.1, probe: 0.03 },
  // Never chat, only move around (semantics clients beyond --senders).
  listen: { send: 0, join: 0.45, leave: 0.35, probe: 0.1 },
} as const;

/**
 * Requests the server must handle without changing anything: send to or leave a room the
 * client is not in (error not_in_room), join a room it is already in (ack, no new presence).
 */
async function probe(session: Session, rand: () => number, inRooms: string[], outRooms: string[]): Promise<void> {
  const roll = rand();
  if (roll < 0.4 && outRooms.length > 0) await session.send(pick(rand, outRooms) as string, 'not_in_room');
  else if (roll < 0.7 && outRooms.length > 0)
    await session.request('leave', pick(rand, outRooms) as string, 'not_in_room');
  else if (inRooms.length > 0) await session.request('join', pick(rand, inRooms) as string);
}

/**
 * One client's scripted but randomized life: the choices come from the run seed and the client
 * number, so a `--seed` replays the same script; one request at a time, each awaited.
 */
export async function runActor(
  ctx: WorkerContext,
  first: Session,
  params: ScriptParams,
  onSession: (s: Session) => void,
): Promise<void> {
  const rand = clientRng(params.seed, first.spec.client);
  const weights = PROFILES[params.profiles[first.spec.client] ?? 'chat'];
  const meanGap = 1000 / params.rate;
  let session = first;
  let incarnation = first.incarnation;
  while (nowMs() < params.until) {
    await sleep(Math.min(expDelay(rand, meanGap), Math.max(0, params.until - nowMs())));
    if (nowMs() >= params.until) break;
    const roll = rand();
    const inRooms = [...session.rooms];
    const outRooms = params.rooms.filter((r) => !session.rooms.has(r));
    if (!session.isOpen || roll >= weights.send + weights.join + weights.leave + weights.probe) {
      // Reconnect: a new connection (new clientId) into a random room.
      await session.close();
      const room = pick(rand, params.rooms) ?? session.spec.room;
      session = new Session(ctx, { ...session.spec, room }, ++incarnation);
      onSession(session);
      await session.open(ctx.init.replyTimeoutMs);
    } else if (roll >= weights.send + weights.join + weights.leave) {
      await probe(session, rand, inRooms, outRooms);
    } else if (roll < weights.send && inRooms.length > 0) {
      await session.send(pick(rand, inRooms) as string);
    } else if (roll < weights.send + weights.join && outRooms.length > 0 && inRooms.length < params.maxRooms) {
      await session.request('join', pick(rand, outRooms) as string);
    } else if (inRooms.length > 0) {
      await session.request('leave', pick(rand, inRooms) as string);
    } else if (outRooms.length > 0) {
      await session.request('join', pick(rand, outRooms) as string);
    }
  }
}
