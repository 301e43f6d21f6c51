import type { Socket } from 'node:net';

const corked: Socket[] = [];

function uncorkAll(): void {
  for (const socket of corked.splice(0)) socket.uncork();
}

/**
 * Corks a socket until this turn of the event loop is over (setImmediate runs after the poll phase's
 * I/O callbacks), so every frame written to it meanwhile, from any sender, leaves in one writev.
 */
export function corkForTurn(socket: Socket): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  if (corked.push(socket) === 1) setImmediate(uncorkAll);
}

/** Most bytes one socket's writes are held back in one turn. */
const TURN_MAX_BYTES = 64 * 1024;

/**
 * Corked bytes count as queued for the slow-consumer check: a turn's batch goes out once it
 * reaches half of that limit (at most 64 KiB), so a burst never makes a reader that keeps up look slow.
 */
export function flushIfFull(socket: Socket, maxBufferedBytes: number): void {
  if (socket.writableCorked > 0 && socket.writableLength >= Math.min(TURN_MAX_BYTES, maxBufferedBytes / 2))
    socket.uncork();
}
