type RandomUuid = { randomUUID?: () => string } | undefined;

/**
 * A fresh clientMsgId for a send that was given none, so a re-sent copy can be recognised.
 * Web Crypto where there is one (browsers, Node 19+); otherwise Math.random, which is unique
 * enough for telling one sender's messages apart.
 */
export function newClientMsgId(crypto: RandomUuid = (globalThis as { crypto?: RandomUuid }).crypto): string {
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const part = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  return `${Date.now().toString(36)}-${part()}-${part()}-${part()}`;
}
