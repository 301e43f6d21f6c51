import { describe, expect, it } from 'vitest';
import { payloadOf, textFrame } from './frame.js';

describe('payloadOf', () => {
  // 7-bit, 16-bit and 64-bit lengths: a large presence:diff to a compressing socket takes the last.
  it.each([10, 200, 70_000])('gives back the payload of a %i-byte frame', (size) => {
    const payload = 'p'.repeat(size);
    expect(payloadOf(textFrame(payload)).toString()).toBe(payload);
  });
});
