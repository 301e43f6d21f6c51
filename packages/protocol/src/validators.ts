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
