/** True when this package runs from its TypeScript sources (tests, `pnpm sim`), false from dist. */
export const fromSource = import.meta.url.endsWith('.ts');

/** The sibling module `name` (without extension) next to this file, in whichever form is running. */
export function siblingUrl(name: string): URL {
  return new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url);
}
