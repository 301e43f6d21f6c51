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
