import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOptions, DEFAULT_OPTIONS } from './options.js';
import { renderTable, writeResultsSection } from './report.js';
import { roundOrder } from './runner.js';
import { fanoutPlan } from './scenarios/fanout.js';
import { expectedDeliveries } from './scenarios/window.js';

describe('runner helpers', () => {
  it('rotates the target order each round', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['a', 'b', 'c'], r).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
  });

  it('spreads clients and senders evenly over rooms and counts the deliveries owed', () => {
    const plan = fanoutPlan({ clients: 10, rooms: 2, senders: 4 });
    expect(plan.filter((c) => c.room === 'room-0')).toHaveLength(5);
    expect(plan.filter((c) => c.sender).map((c) => c.room)).toEqual(['room-0', 'room-1', 'room-0', 'room-1']);
    // Every message reaches all 5 members of its room, the sender included.
    expect(expectedDeliveries(plan, { 'room-0': 3, 'room-1': 2 })).toBe(25);
  });

  it('accepts the defaults and names each bad option', () => {
    expect(checkOptions(DEFAULT_OPTIONS)).toEqual([]);
    const problems = checkOptions({ ...DEFAULT_OPTIONS, clients: 5, senders: 6, rate: 0, idle: 50_000 });
    expect(problems).toEqual(
      expect.arrayContaining([
        '--senders cannot exceed --clients',
        '--rate must be an integer 1..1000',
        '--idle must be an integer 1..10000',
      ]),
    );
  });

  it('renders a padded markdown table with right-aligned figures', () => {
    expect(renderTable(['target', 'µs'], [['ws', '12.5']], true)).toBe(
      ['| target |   µs |', '| ------ | ---: |', '| ws     | 12.5 |'].join('\n'),
    );
    expect(() => renderTable(['target'], [['ws', '1.5']], false)).toThrow(/2 cells for 1 headers/);
  });

  it('replaces only the marked results section of a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'BENCHMARKS.md');
    writeFileSync(file, '# Benchmarks\n\nProse.\n');
    writeResultsSection(file, '<!-- bench:results:start -->\nfirst\n<!-- bench:results:end -->');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n## Notes\n\nKept.\n`);
    writeResultsSection(file, '<!-- bench:results:start -->\nsecond\n<!-- bench:results:end -->');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('Prose.');
    expect(text).toContain('Kept.');
    expect(text).toContain('second');
    expect(text).not.toContain('first');
    expect(text.match(/bench:results:start/g)).toHaveLength(1);
  });
});
