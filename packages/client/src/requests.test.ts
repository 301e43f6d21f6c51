import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoomcastError } from './errors.js';
import { type CallPlan, type Pending, Requests } from './requests.js';

// `Requests` is a pure class over its transport, so it is tested directly: a transport that
// records what it takes and refuses everything while `online` is false.

function transport() {
  const state = { online: true, sent: [] as string[] };
  const send = (raw: string): boolean => {
    if (!state.online) return false;
    state.sent.push(raw);
    return true;
  };
  return { state, send };
}

const plan = (overrides: Partial<CallPlan> = {}): CallPlan => ({
  timeoutMs: 1000,
  offlineTimeoutMs: 5000,
  queue: true,
  resend: true,
  ...overrides,
});

/** What a call has come to so far, readable without awaiting it. */
function watch(call: Promise<unknown>): { outcome: unknown } {
  const state: { outcome: unknown } = { outcome: 'pending' };
  call.then(
    (value) => {
      state.outcome = { resolved: value };
    },
    (error: RoomcastError) => {
      state.outcome = { code: error.code, message: error.message, requestId: error.requestId };
    },
  );
  return state;
}

/** Lets the settled calls' callbacks run (microtasks only; no timer moves). */
const settle = () => vi.advanceTimersByTimeAsync(0);

const ids = (pending: Pending[]) => pending.map((p) => [p.id, p.event, p.data]);
const frames = (sent: string[]) => sent.map((raw) => JSON.parse(raw) as unknown);

afterEach(() => {
  vi.useRealTimers();
});

describe('Requests: calls that cannot be sent now', () => {
  it('reject at once with `disconnected` when they may not queue, and take no queue slot', async () => {
    vi.useFakeTimers();
    const t = transport();
    t.state.online = false;
    const requests = new Requests(t.send, 1);
    // Offline, and online but not to be sent now: both are "cannot be sent now".
    const offline = watch(requests.start('join', { room: 'a' }, plan({ queue: false }), true));
    t.state.online = true;
    const notNow = watch(requests.start('leave', { room: 'b' }, plan({ queue: false }), false));
    await settle();
    expect(offline.outcome).toStrictEqual({
      code: 'disconnected',
      message: 'Not connected: join was not sent',
      requestId: 1,
    });
    expect(notNow.outcome).toStrictEqual({
      code: 'disconnected',
      message: 'Not connected: leave was not sent',
      requestId: 2,
    });
    expect(requests.waiting()).toEqual([]);
    expect(t.state.sent).toEqual([]);
    // The one slot is still free: one call queues, the next does not.
    const queued = watch(requests.start('join', { room: 'c' }, plan(), false));
    const full = watch(requests.start('join', { room: 'd' }, plan(), false));
    await settle();
    expect(queued.outcome).toBe('pending');
    expect(full.outcome).toStrictEqual({
      code: 'queue_full',
      message: 'The offline queue holds at most 1 calls',
      requestId: 4,
    });
    expect(ids(requests.waiting())).toEqual([[3, 'join', { room: 'c' }]]);
  });

  it('queue exactly maxQueued calls, reject the next with queue_full, and take one again once a slot frees', async () => {
    vi.useFakeTimers();
    const t = transport();
    t.state.online = false;
    const requests = new Requests(t.send, 2);
    const a = watch(requests.start('join', { room: 'a' }, plan(), true));
    const b = watch(requests.start('join', { room: 'b' }, plan(), true));
    const c = watch(requests.start('join', { room: 'c' }, plan(), true));
    await settle();
    expect([a.outcome, b.outcome]).toEqual(['pending', 'pending']);
    expect(c.outcome).toStrictEqual({
      code: 'queue_full',
      message: 'The offline queue holds at most 2 calls',
      requestId: 3,
    });
    // A reply (or error) to a waiting call frees its slot.
    expect(requests.take(1)?.event).toBe('join');
    const d = watch(requests.start('join', { room: 'd' }, plan(), true));
    const e = watch(requests.start('join', { room: 'e' }, plan(), true));
    await settle();
    expect(d.outcome).toBe('pending');
    expect(e.outcome).toMatchObject({ code: 'queue_full', requestId: 5 });
    expect(ids(requests.waiting())).toEqual([
      [2, 'join', { room: 'b' }],
      [4, 'join', { room: 'd' }],
    ]);
  });
});

describe('Requests: the offline queue count', () => {
  it('a reply to a sent call frees no queue slot; a reply to a waiting one does', async () => {
    vi.useFakeTimers();
    const t = transport();
    const requests = new Requests(t.send, 1);
    const sent = watch(requests.start('join', { room: 's' }, plan(), true));
    t.state.online = false;
    const waiting = watch(requests.start('join', { room: 'w' }, plan(), true));
    const refused = watch(requests.start('join', { room: 'x' }, plan(), true));
    await settle();
    expect(refused.outcome).toMatchObject({ code: 'queue_full', requestId: 3 });

    requests.take(1)?.resolve('ok');
    const stillFull = watch(requests.start('join', { room: 'y' }, plan(), true));
    await settle();
    expect(sent.outcome).toEqual({ resolved: 'ok' });
    expect(stillFull.outcome).toMatchObject({ code: 'queue_full', requestId: 4 });

    requests.take(2)?.resolve('ok');
    const takesTheSlot = watch(requests.start('join', { room: 'z' }, plan(), true));
    const nextRefused = watch(requests.start('join', { room: 'z2' }, plan(), true));
    await settle();
    expect(waiting.outcome).toEqual({ resolved: 'ok' });
    expect(takesTheSlot.outcome).toBe('pending');
    expect(nextRefused.outcome).toMatchObject({ code: 'queue_full', requestId: 6 });
    expect(ids(requests.waiting())).toEqual([[5, 'join', { room: 'z' }]]);
  });

  it("a sent call's reply timeout frees no queue slot; a waiting call's offline timeout does, and leaves nothing to take", async () => {
    vi.useFakeTimers();
    const t = transport();
    const requests = new Requests(t.send, 1);
    const sent = watch(requests.start('join', { room: 's' }, plan({ timeoutMs: 1000 }), true));
    t.state.online = false;
    const waiting = watch(requests.start('join', { room: 'w' }, plan({ offlineTimeoutMs: 5000 }), true));

    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.outcome).toStrictEqual({ code: 'timeout', message: 'join got no reply within 1000 ms', requestId: 1 });
    expect(requests.take(1)).toBeUndefined();
    const stillFull = watch(requests.start('join', { room: 'x' }, plan(), true));
    await settle();
    expect(stillFull.outcome).toMatchObject({ code: 'queue_full', requestId: 3 });

    await vi.advanceTimersByTimeAsync(4000);
    expect(waiting.outcome).toStrictEqual({
      code: 'offline_timeout',
      message: 'No connection within 5000 ms; join was given up before it could be sent',
      requestId: 2,
    });
    expect(requests.take(2)).toBeUndefined();
    expect(requests.waiting()).toEqual([]);
    const takesTheSlot = watch(requests.start('join', { room: 'y' }, plan(), true));
    const nextRefused = watch(requests.start('join', { room: 'y2' }, plan(), true));
    await settle();
    expect(takesTheSlot.outcome).toBe('pending');
    expect(nextRefused.outcome).toMatchObject({ code: 'queue_full', requestId: 5 });
  });

  it('flush sends waiting calls in order and they leave the queue; a refused one stays waiting', async () => {
    vi.useFakeTimers();
    const t = transport();
    t.state.online = false;
    const requests = new Requests(t.send, 2);
    watch(requests.start('join', { room: 'a' }, plan(), true));
    watch(requests.start('join', { room: 'b' }, plan(), true));
    t.state.online = true;
    requests.flush();
    expect(frames(t.state.sent)).toEqual([
      { event: 'join', data: { room: 'a' }, id: 1 },
      { event: 'join', data: { room: 'b' }, id: 2 },
    ]);
    expect(requests.waiting()).toEqual([]);
    // Both slots are free again: two calls queue (not sent now), the third is refused.
    const c = watch(requests.start('join', { room: 'c' }, plan(), false));
    const d = watch(requests.start('join', { room: 'd' }, plan(), false));
    const e = watch(requests.start('join', { room: 'e' }, plan(), false));
    await settle();
    expect([c.outcome, d.outcome]).toEqual(['pending', 'pending']);
    expect(e.outcome).toMatchObject({ code: 'queue_full', requestId: 5 });

    // A transport that takes one frame and then refuses: the first goes out, the second waits.
    let budget = 1;
    const limited = new Requests((raw) => budget-- > 0 && t.send(raw), 2);
    t.state.sent = [];
    watch(limited.start('join', { room: 'p' }, plan(), false));
    watch(limited.start('join', { room: 'q' }, plan(), false));
    limited.flush();
    expect(frames(t.state.sent)).toEqual([{ event: 'join', data: { room: 'p' }, id: 1 }]);
    expect(ids(limited.waiting())).toEqual([[2, 'join', { room: 'q' }]]);
    const r = watch(limited.start('join', { room: 'r' }, plan(), false));
    const s = watch(limited.start('join', { room: 's' }, plan(), false));
    await settle();
    expect(r.outcome).toBe('pending');
    expect(s.outcome).toMatchObject({ code: 'queue_full', requestId: 4 });
  });

  it('dropInFlight puts resent calls back in the queue in call order and rejects the others, which take no slot', async () => {
    vi.useFakeTimers();
    const t = transport();
    const requests = new Requests(t.send, 3);
    const s1 = watch(requests.start('join', { room: 's1' }, plan({ resend: true }), true));
    t.state.online = false;
    // A waiting call that would not be resent: dropInFlight leaves it alone, it was never sent.
    const w = watch(requests.start('join', { room: 'w' }, plan({ resend: false }), true));
    t.state.online = true;
    const s2 = watch(requests.start('join', { room: 's2' }, plan({ resend: true }), true));
    const n = watch(requests.start('leave', { room: 'n' }, plan({ resend: false }), true));
    expect(t.state.sent).toHaveLength(3);
    expect(ids(requests.waiting())).toEqual([[2, 'join', { room: 'w' }]]);

    requests.dropInFlight();
    await settle();
    expect(n.outcome).toStrictEqual({
      code: 'disconnected',
      message: 'The connection dropped before leave was answered',
      requestId: 4,
    });
    expect([s1.outcome, w.outcome, s2.outcome]).toEqual(['pending', 'pending', 'pending']);
    expect(requests.take(4)).toBeUndefined();
    expect(ids(requests.waiting())).toEqual([
      [1, 'join', { room: 's1' }],
      [2, 'join', { room: 'w' }],
      [3, 'join', { room: 's2' }],
    ]);
    // Three waiting calls fill the queue of three; the rejected one took no slot.
    const full = watch(requests.start('join', { room: 'x' }, plan(), false));
    await settle();
    expect(full.outcome).toMatchObject({ code: 'queue_full', requestId: 5 });
    requests.take(3)?.resolve('ok');
    const takesTheSlot = watch(requests.start('join', { room: 'y' }, plan(), false));
    const nextRefused = watch(requests.start('join', { room: 'z' }, plan(), false));
    await settle();
    expect(takesTheSlot.outcome).toBe('pending');
    expect(nextRefused.outcome).toMatchObject({ code: 'queue_full', requestId: 7 });

    // Flushed again, the resent calls go out with the same frames as the first time.
    t.state.sent = [];
    requests.flush();
    expect(frames(t.state.sent)).toEqual([
      { event: 'join', data: { room: 's1' }, id: 1 },
      { event: 'join', data: { room: 'w' }, id: 2 },
      { event: 'join', data: { room: 'y' }, id: 6 },
    ]);
    expect(requests.waiting()).toEqual([]);
  });
});
