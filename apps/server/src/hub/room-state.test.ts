import { describe, expect, it } from 'vitest';
import { RoomState } from './room-state.js';

const message = (seq: number) => ({ room: 'x', from: { id: 'u', name: 'u' }, text: `${seq}`, sentAt: 0, seq });

/** Which of the waits have resolved so far, after the microtasks that resolve them. */
async function settled(waits: Promise<void>[]): Promise<boolean[]> {
  const done = waits.map(() => false);
  for (const [i, w] of waits.entries()) void w.then(() => (done[i] = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('RoomState', () => {
  it('starts from the position the subscription reads, unless the stream already went past it', async () => {
    const fresh = new RoomState('x', async () => ({ epoch: 'e1', seq: 5 }));
    expect(fresh.isReady).toBe(false);
    await fresh.ready;
    expect(fresh.isReady).toBe(true);
    expect(fresh.position).toEqual({ epoch: 'e1', seq: 5 });

    // A message that came in before the position was read moved the starting point past it.
    let read: (p: { epoch: string; seq: number }) => void = () => {};
    const raced = new RoomState('y', () => new Promise((resolve) => (read = resolve)));
    raced.skip(message(7), 'e2');
    raced.skip(message(6), 'e2');
    read({ epoch: 'e2', seq: 6 });
    await raced.ready;
    expect(raced.position).toEqual({ epoch: 'e2', seq: 7 });
  });

  it('resolves a wait for a seq once it is delivered, each wait on its own seq, and all of them when dropped', async () => {
    const state = new RoomState('x', async () => ({ epoch: 'e', seq: 2 }));
    await state.ready;
    const waits = [state.delivered(2), state.delivered(3), state.delivered(5), state.delivered(4)];
    expect(await settled(waits)).toEqual([true, false, false, false]);
    state.advance(3);
    expect(await settled(waits)).toEqual([true, true, false, false]);
    state.advance(4);
    expect(await settled(waits)).toEqual([true, true, false, true]);
    state.releaseWaiters();
    expect(await settled(waits)).toEqual([true, true, true, true]);
  });
});
