import type { Static, TSchema } from '@sinclair/typebox';
import {
  AckResults,
  type ClientEventMap,
  type ClientEventName,
  ClientEvents,
  type ClientFrame,
} from './client-events.js';
import { Envelope } from './envelope.js';
import { type ProtocolError, protocolError } from './errors.js';
import { RequestId } from './primitives.js';
import { type ServerEventMap, type ServerEventName, ServerEvents, type ServerFrame } from './server-events.js';
import { compileValidator, compileValidators, describeFailure, tolerantAll, type Validators } from './validators.js';

export type DecodeResult<F> = { ok: true; frame: F } | { ok: false; error: ProtocolError };

export const envelopeValidator = compileValidator(Envelope);
const requestIdValidator = compileValidator(RequestId);
export const clientValidators = compileValidators(ClientEvents);
/** Exactly the schema: what a server must send (conformance tests and the simulator check this). */
export const serverValidators = compileValidators(ServerEvents);
/** The schema with unknown fields allowed: what a client accepts, so newer servers can add fields. */
export const tolerantServerValidators = compileValidators(tolerantAll(ServerEvents));
/** Checks an ack's `result` against what the request it answers returns. */
export const ackResultValidators = compileValidators(AckResults);
/** The same, tolerating fields this version does not know: what a client accepts. */
export const tolerantAckResultValidators = compileValidators(tolerantAll(AckResults));

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
    const error = protocolError('invalid_payload', describeFailure(envelopeValidator, value), requestIdOf(value));
    return { ok: false, error };
  }
  const { event, data, id } = value as Static<typeof Envelope>;
  const validator = Object.hasOwn(validators, event) ? validators[event as keyof M] : undefined;
  if (!validator) return { ok: false, error: protocolError('unknown_event', `Unknown event "${event}"`, id) };
  if (!validator.Check(data)) {
    return { ok: false, error: protocolError('invalid_payload', describeFailure(validator, data, '/data'), id) };
  }
  return { ok: true, frame: id === undefined ? { event, data } : { event, data, id } };
}

/** Parses and validates a client -> server text frame. Never throws. */
export function decodeClientFrame(raw: string): DecodeResult<ClientFrame> {
  return decodeFrame(raw, clientValidators) as DecodeResult<ClientFrame>;
}

/**
 * Parses and validates a server -> client text frame, tolerating fields this version does not
 * know (a newer server may add them). Never throws.
 */
export function decodeServerFrame(raw: string): DecodeResult<ServerFrame> {
  return decodeFrame(raw, tolerantServerValidators) as DecodeResult<ServerFrame>;
}

/** Like decodeServerFrame, but rejects any field the schema does not name: for checking servers. */
export function decodeServerFrameStrict(raw: string): DecodeResult<ServerFrame> {
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
