import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stderrProgress } from './progress.js';

function stream(tty: boolean) {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { read(): Buffer | null };
  Object.assign(s, { isTTY: tty, columns: 40 });
  return s;
}

describe('progress line', () => {
  it('prints phase lines, and no live line when the stream is not a terminal', () => {
    const s = stream(false);
    const p = stderrProgress(false, s);
    p.line('phase one');
    p.live(() => 'live')();
    expect(s.read()?.toString()).toBe('phase one\n');
  });

  it('is silent when quiet', () => {
    const s = stream(true);
    const p = stderrProgress(true, s);
    p.line('x');
    p.live(() => 'y')();
    expect(s.read()).toBeNull();
  });

  it('on a terminal, clears its live line when stopped', () => {
    const s = stream(true);
    stderrProgress(false, s).live(() => 'z'.repeat(100))();
    expect(s.read()?.toString()).toBe('\r\x1b[2K');
  });
});
