import { Kind, type TUnsafe, Type, TypeRegistry } from '@sinclair/typebox';
import { DefaultErrorFunction, SetErrorFunction, ValueErrorType } from '@sinclair/typebox/errors';

const KIND = 'RoomcastUnicodeString';

export interface UnicodeStringOptions {
  minLength: number;
  maxLength: number;
  /** Matched with the `u` flag, so `\p{…}` property escapes work (JSON Schema patterns are ECMA-262 with Unicode). */
  pattern: string;
  /** The value must be in Unicode Normalization Form C. */
  'x-nfc'?: boolean;
  /** A pattern the value must not match. */
  not?: { pattern: string };
  description: string;
  examples?: string[];
}

const regexps = new Map<string, RegExp>();
function regexp(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexps.get(key);
  if (!re) {
    re = new RegExp(pattern, flags);
    regexps.set(key, re);
  }
  return re;
}

function check(schema: UnicodeStringOptions, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value.length < schema.minLength || value.length > schema.maxLength) return false;
  if (!regexp(schema.pattern, 'u').test(value)) return false;
  if (schema['x-nfc'] && value.normalize('NFC') !== value) return false;
  if (schema.not && regexp(schema.not.pattern, 'u').test(value)) return false;
  return true;
}

// TypeBox compiles `pattern` without the `u` flag, where `\p{…}` means a literal "p": these strings
// get their own kind, checked here, and still read as plain JSON Schema (`type`, `pattern`, …) elsewhere.
if (!TypeRegistry.Has(KIND)) {
  TypeRegistry.Set<UnicodeStringOptions>(KIND, check);
  SetErrorFunction((param) =>
    param.errorType === ValueErrorType.Kind && param.schema[Kind] === KIND
      ? `Expected ${(param.schema as unknown as UnicodeStringOptions).description.replace(/^[^:]*: /, '')} (${param.schema.minLength}-${param.schema.maxLength} characters)`
      : DefaultErrorFunction(param),
  );
}

/** A string schema whose pattern is Unicode-aware for every validator, TypeBox's included. */
export function UnicodeString(options: UnicodeStringOptions): TUnsafe<string> {
  return Type.Unsafe<string>({ ...options, [Kind]: KIND, type: 'string' });
}
