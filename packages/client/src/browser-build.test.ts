import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser build', () => {
  it('bundles for the browser with no Node-only module in it', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions: ['@roomcast/source'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('packages/client/src/client.ts'))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/(\.pnpm\/)?ws[@/]|^node:/.test(path))).toEqual([]);
    const output = result.outputFiles[0]?.text ?? '';
    expect(output).not.toMatch(/from\s*["']node:|require\(["']/);
  });
});
