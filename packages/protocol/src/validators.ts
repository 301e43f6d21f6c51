import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, type ValueErrorIterator } from '@sinclair/typebox/value';

export interface Validator<T extends TSchema> {
  Check(value: unknown): value is Static<T>;
  Errors(value: unknown): ValueErrorIterator;
}

/**
 * Compiled (fast) where the platform allows code generation; interpreted where it does not,
 * such as a page whose Content-Security-Policy forbids 'unsafe-eval'.
 */
export function compileValidator<T extends TSchema>(schema: T): Validator<T> {
  try {
    return TypeCompiler.Compile(schema);
  } catch {
    return {
      Check: (value): value is Static<T> => Value.Check(schema, value),
      Errors: (value) => Value.Errors(schema, value),
    };
  }
}

export type Validators<M extends Record<string, TSchema>> = { [K in keyof M]: Validator<M[K]> };

export function compileValidators<M extends Record<string, TSchema>>(schemas: M): Validators<M> {
  const out: Partial<Validators<M>> = {};
  for (const name of Object.keys(schemas) as (keyof M)[]) out[name] = compileValidator(schemas[name] as M[keyof M]);
  return out as Validators<M>;
}

/** The first schema failure as `<prefix>/path: reason`, so a developer sees which field is wrong. */
export function describeFailure<T extends TSchema>(validator: Validator<T>, value: unknown, prefix = ''): string {
  const first = validator.Errors(value).First();
  if (!first) return `${prefix || '/'}: does not match the schema`;
  return `${prefix}${first.path || '/'}: ${first.message}`;
}

/**
 * The same schema with every object open to properties it does not name. Clients validate
 * server frames with it, so a newer server's additive fields never break an older client; the
 * server stays strict about what clients send. Symbol keys (TypeBox's kind) survive the spread.
 */
export function tolerant<T extends TSchema>(schema: T): T {
  const out = { ...schema } as Record<string | symbol, unknown>;
  if (out.additionalProperties === false) delete out.additionalProperties;
  for (const key of ['properties', 'patternProperties'] as const) {
    const props = out[key] as Record<string, TSchema> | undefined;
    if (props) out[key] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, tolerant(v)]));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const inner = out[key];
    if (inner && typeof inner === 'object') out[key] = tolerant(inner as TSchema);
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = out[key] as TSchema[] | undefined;
    if (list) out[key] = list.map((s) => tolerant(s));
  }
  return out as T;
}

export function tolerantAll<M extends Record<string, TSchema>>(schemas: M): M {
  return Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, tolerant(v)])) as M;
}
