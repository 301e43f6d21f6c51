import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ClientEventMap, type ClientEventName, ClientEvents, type ClientFrame } from './client-events.js';
import { Envelope } from './envelope.js';
import { type ProtocolError, protocolError } from './errors.js';
import { RequestId } from './primitives.js';
import { type ServerEventMap, type ServerEventName, ServerEvents, type ServerFrame } from './server-events.js';

export type DecodeResult<F> = { ok: true; frame: F } | { ok: false; error: ProtocolError };

type Validators<M extends Record<string, TSchema>> = { [K in keyof M]: TypeCheck<M[K]> };

function compileAll<M extends Record<string, TSchema>>(schemas: M): Validators<M> {
  const out: Partial<Validators<M>> = {};
  for (const name of Object.keys(schemas) as (keyof M)[]) out[name] = TypeCompiler.Compile(schemas[name] as M[keyof M]);
  return out as Validators<M>;
}

export const envelopeValidator = TypeCompiler.Compile(Envelope);
const requestIdValidator = TypeCompiler.Compile(RequestId);
export const clientValidators = compileAll(ClientEvents);
export const serverValidators = compileAll(ServerEvents);

function requestIdOf(value: unknown): number | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return requestIdValidator.Check(id) ? id : undefined;
}

/** The request id of a raw frame when it has a valid one, without validating the rest (for errors about the frame). */
export function peekRequestId(raw: string): number | undefined {
  try {
    return requestIdOf(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

/** The first schema failure as `/path: reason`, so a client developer sees which field is wrong. */
function firstFailure<T extends TSchema>(check: TypeCheck<T>, value: unknown, prefix: string): string {
  const first = check.Errors(value).First();
  if (!first) return 'does not match the schema';
  return `${prefix}${first.path || '/'}: ${first.message}`;
}

function decodeFrame<M extends Record<string, TSchema>>(
  raw: string,
  validators: Validators<M>,
): DecodeResult<{ event: keyof M & string; data: unknown; id?: number }> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: protocolError('bad_json') };
  }
  if (!envelopeValidator.Check(value)) {
    // Salvage a usable id so the sender can still correlate the error.
    const id = (value as { id?: unknown } | null)?.id;
    const validId =
      Number.isInteger(id) && (id as number) >= 0 && (id as number) < 2 ** 31 ? (id as number) : undefined;
    return {
      ok: false,
      error: protocolError('invalid_payload', firstFailure(envelopeValidator, value, ''), validId),
    };
  }
  const { event, data, id } = value as Static<typeof Envelope>;
  const validator = Object.hasOwn(validators, event) ? validators[event as keyof M] : undefined;
  if (!validator) return { ok: false, error: protocolError('unknown_event', `Unknown event "${event}"`, id) };
  if (!validator.Check(data)) {
    return { ok: false, error: protocolError('invalid_payload', firstFailure(validator, data, '/data'), id) };
  }
  return { ok: true, frame: id === undefined ? { event, data } : { event, data, id } };
}

/** Parses and validates a client -> server text frame. Never throws. */
export function decodeClientFrame(raw: string): DecodeResult<ClientFrame> {
  return decodeFrame(raw, clientValidators) as DecodeResult<ClientFrame>;
}

/** Parses and validates a server -> client text frame. Never throws. */
export function decodeServerFrame(raw: string): DecodeResult<ServerFrame> {
  return decodeFrame(raw, serverValidators) as DecodeResult<ServerFrame>;
}

/** Serializes a server -> client event. Callers fanning out encode once and send the string. */
export function encodeServerEvent<K extends ServerEventName>(event: K, data: ServerEventMap[K]): string {
  return JSON.stringify({ event, data });
}

/** Serializes a client -> server event. */
export function encodeClientEvent<K extends ClientEventName>(event: K, data: ClientEventMap[K], id?: number): string {
  return JSON.stringify(id === undefined ? { event, data } : { event, data, id });
}
