export { buildAsyncApi } from './asyncapi.js';
export {
  type AckResultMap,
  AckResults,
  type ClientEventMap,
  type ClientEventName,
  ClientEvents,
  type ClientFrame,
  Join,
  JoinResult,
  Leave,
  LeaveResult,
  Send,
  SendResult,
} from './client-events.js';
export {
  ackResultValidators,
  clientValidators,
  type DecodeResult,
  decodeClientFrame,
  decodeServerFrame,
  decodeServerFrameStrict,
  encodeClientEvent,
  encodeServerEvent,
  envelopeValidator,
  peekRequestId,
  serverValidators,
  tolerantServerValidators,
} from './codec.js';
export { Envelope } from './envelope.js';
export {
  CLOSE_CODES,
  type CloseReason,
  ERROR_CODES,
  ERRORS,
  ErrorCode,
  ProtocolError,
  protocolError,
  shouldReconnect,
} from './errors.js';
export { buildJsonSchema, eventKey } from './json-schema.js';
export {
  ClientId,
  ClientMsgId,
  DisplayName,
  Epoch,
  LIMITS,
  MessageText,
  PROTOCOL_VERSION,
  Recovery,
  RequestId,
  ResumeToken,
  RoomName,
  Seq,
  StreamPosition,
  User,
} from './primitives.js';
export {
  Ack,
  ErrorEvent,
  Message,
  type ServerEventMap,
  type ServerEventName,
  ServerEvents,
  type ServerFrame,
  UserJoined,
  UserLeft,
  Welcome,
} from './server-events.js';
export {
  compileValidator,
  compileValidators,
  describeFailure,
  tolerant,
  type Validator,
  type Validators,
} from './validators.js';
