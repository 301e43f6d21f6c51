import { readFileSync, writeFileSync } from 'node:fs';
import { judgeGoals } from './goals.js';
import type { BenchReport, FanoutSummary, TargetSummary } from './runner.js';
import { TARGETS } from './targets.js';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

type Row = string[];

/** Columns padded for a terminal, or a markdown table padded the way the formatter (Biome) leaves it. */
export function renderTable(headers: Row, rows: Row[], markdown: boolean): string {
  const ragged = rows.find((r) => r.length !== headers.length);
  if (ragged) throw new Error(`table row has ${ragged.length} cells for ${headers.length} headers`);
  const widths = headers.map((h, i) => Math.max(markdown ? 3 : 0, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // The first column reads left to right; figures line up on the right.
  const pad = (c: string, i: number) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0));
  if (markdown) {
    const line = (cells: Row) => `| ${cells.map(pad).join(' | ')} |`;
    const rule = widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`));
    return [line(headers), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
  }
  const line = (cells: Row) => cells.map(pad).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (n: number, base: number) => (Number.isFinite(n / base) ? `${(n / base).toFixed(2)}×` : 'n/a');
const kib = (bytes: number) => fixed(bytes / 1024, 1);

const pct = (share: number) => `${fixed(share * 100, 0)}%`;

/** A fan-out's columns (cost, rate, latency, load, completeness), ratios against `base`. */
const fanoutHeaders = (base: string) => [
  'CPU µs/delivery',
  `vs ${base}`,
  'deliveries/s',
  'p50 ms',
  'p99 ms',
  `vs ${base}`,
  'server CPU',
  'other CPU',
  'complete',
];
const fanoutCells = (f: FanoutSummary, b: FanoutSummary) => [
  fixed(f.cpuMicrosPerDelivery, 2),
  ratio(f.cpuMicrosPerDelivery, b.cpuMicrosPerDelivery),
  fixed(f.deliveriesPerSecond, 0),
  fixed(f.p50Ms, 2),
  fixed(f.p99Ms, 2),
  ratio(f.p99Ms, b.p99Ms),
  pct(f.serverCpuShare),
  pct(f.otherCpuShare),
  `${fixed(f.completeness * 100, 2)}%`,
];

/** The medians table: one row per target, ratios against Roomcast (or the first target without it). */
export function summaryRows(report: BenchReport): { headers: Row; rows: Row[] } {
  const base = report.summary.find((s) => s.target === 'roomcast') ?? (report.summary[0] as TargetSummary);
  const headers = ['target', ...fanoutHeaders(base.label), 'RSS KiB/idle conn', `vs ${base.label}`];
  const rows = report.summary.map((s) => [
    s.label,
    ...fanoutCells(s, base),
    kib(s.bytesPerIdleConnection),
    ratio(s.bytesPerIdleConnection, base.bytesPerIdleConnection),
  ]);
  return { headers, rows };
}

/** The one-big-room fan-out: one row per target that ran it, ratios against Roomcast. */
export function roomRows(report: BenchReport): { headers: Row; rows: Row[] } | undefined {
  const ran = report.summary.flatMap((s) => (s.room ? [{ label: s.label, target: s.target, room: s.room }] : []));
  const base = ran.find((s) => s.target === 'roomcast') ?? ran[0];
  if (!base) return undefined;
  return {
    headers: ['target', ...fanoutHeaders(base.label)],
    rows: ran.map((s) => [s.label, ...fanoutCells(s.room, base.room)]),
  };
}

/** Every round's raw figures, so the spread behind each median is visible. */
export function roundRows(report: BenchReport): { headers: Row; rows: Row[] } {
  const headers = [
    'round',
    'target',
    'CPU µs/delivery',
    'deliveries/s',
    'p50 ms',
    'p99 ms',
    'RSS KiB/idle conn',
    'server CPU',
    'driver CPU',
    'driver max ELU',
    'other CPU',
  ];
  const rows = report.rounds.map((r) => {
    const f = r.fanout;
    return [
      String(r.round),
      TARGETS[r.target].label,
      fixed(f?.cpuMicrosPerDelivery ?? Number.NaN, 2),
      fixed(f?.deliveriesPerSecond ?? Number.NaN, 0),
      fixed(f?.latencyMs.p50 ?? Number.NaN, 2),
      fixed(f?.latencyMs.p99 ?? Number.NaN, 2),
      kib(r.idle?.bytesPerConnection ?? Number.NaN),
      pct(f?.serverCpuShare ?? Number.NaN),
      pct(f?.driverCpuShare ?? Number.NaN),
      fixed(f?.driverMaxElu ?? Number.NaN, 2),
      pct(f?.otherCpuShare ?? Number.NaN),
    ];
  });
  return { headers, rows };
}

/** The ceiling search: one row per target, with what ran out. */
export function ceilingRows(report: BenchReport): { headers: Row; rows: Row[] } | undefined {
  const ran = report.summary.filter((s) => s.ceiling);
  if (!ran.length) return undefined;
  const baseTarget = ran.find((s) => s.target === 'roomcast') ?? (ran[0] as TargetSummary);
  const base = baseTarget.ceiling;
  const headers = [
    'target',
    'ceiling deliveries/s',
    `vs ${baseTarget.label}`,
    'steps held',
    'ran out',
    'server CPU at ceiling',
    'next step',
  ];
  const rows = ran.map((s) => {
    const c = s.ceiling as NonNullable<TargetSummary['ceiling']>;
    const held = c.steps.filter((x) => x.passed);
    const failed = c.steps.find((x) => !x.passed);
    return [
      s.label,
      fixed(c.ceilingPerSecond, 0),
      ratio(c.ceilingPerSecond, base?.ceilingPerSecond ?? Number.NaN),
      `${held.length}/${c.steps.length}`,
      c.limitedBy,
      held.length ? `${fixed((held.at(-1)?.serverCpuShare ?? Number.NaN) * 100, 0)}%` : 'n/a',
      failed?.failure ?? '-',
    ];
  });
  return { headers, rows };
}

/** The reconnect storm: one row per target. */
export function stormRows(report: BenchReport): { headers: Row; rows: Row[] } | undefined {
  const ran = report.summary.filter((s) => s.storm);
  if (!ran.length) return undefined;
  const headers = [
    'target',
    'clients',
    'welcomed',
    's to all welcomed',
    'welcome p50 ms',
    'welcome p99 ms',
    'peak RSS MiB',
    'peak - before MiB',
  ];
  const rows = ran.map((s) => {
    const t = s.storm as NonNullable<TargetSummary['storm']>;
    return [
      s.label,
      String(t.clients),
      String(t.connected),
      fixed(t.secondsToAllWelcomed, 2),
      fixed(t.welcomeMs.p50, 0),
      fixed(t.welcomeMs.p99, 0),
      fixed(t.peakRssBytes / 2 ** 20, 1),
      fixed((t.peakRssBytes - t.rssBeforeBytes) / 2 ** 20, 1),
    ];
  });
  return { headers, rows };
}

function scenarioLines(report: BenchReport, markdown: boolean): string[] {
  const o = report.options;
  const out: string[] = [];
  const goals = judgeGoals(report);
  if (goals.length) {
    out.push(
      '',
      "Issue 9's targets, Roomcast over the peer in this run:",
      ...(markdown ? [''] : []),
      renderTable(
        ['target', 'ratio', 'held'],
        goals.map((g) => [g.goal, `${g.ratio.toFixed(2)}×`, g.held ? 'yes' : 'no']),
        markdown,
      ),
    );
  }
  const room = roomRows(report);
  if (room) {
    out.push(
      '',
      `One big room (medians over ${o.rounds} round(s)): ${o.roomClients} clients in one room, ${o.roomSenders} senders × ${o.roomRate} msg/s (${o.roomClients * o.roomSenders * o.roomRate} deliveries/s offered); light receive path times 1 delivery in ${o.sampleEvery}:`,
      ...(markdown ? [''] : []),
      renderTable(room.headers, room.rows, markdown),
    );
  }
  const ceiling = ceilingRows(report);
  if (ceiling) {
    out.push(
      '',
      `Ceiling (once per target, fresh server): ${o.ceilingClients} clients in one room, ${o.ceilingSenders} senders; offered deliveries/s grow 1.5x a step from ${o.ceilingStart} until p99 > ${o.ceilingP99} ms, < 95% delivered, or the driver saturates; light receive path times 1 delivery in ${o.sampleEvery}:`,
      ...(markdown ? [''] : []),
      renderTable(ceiling.headers, ceiling.rows, markdown),
    );
  }
  const storm = stormRows(report);
  if (storm) {
    out.push(
      '',
      `Reconnect storm (once per target, fresh server): ${o.stormClients} clients connect at once, ${o.stormRoomSize} to a room; peak RSS is the process's VmHWM:`,
      ...(markdown ? [''] : []),
      renderTable(storm.headers, storm.rows, markdown),
    );
  }
  return out;
}

function loadLine(report: BenchReport): string {
  const o = report.options;
  const scaled = o.targets.some((name) => TARGETS[name].redis || (TARGETS[name].nodes ?? 1) > 1);
  return (
    `fanout: ${o.clients} clients in ${o.rooms} rooms (${o.clients / o.rooms} each), ${o.senders} senders × ${o.rate} msg/s, ` +
    `${o.textBytes}-byte texts, ${o.warmup} s warm-up + ${o.duration} s measured; idle: ${o.idle} connections, ` +
    `${o.idleRoomSize} to a room; ${o.rounds} rounds, target order rotated each round; ${o.workers} driver workers` +
    (scaled
      ? '; multi-process targets: CPU and RSS are summed over every node and their private redis-server, clients alternate between the nodes'
      : '')
  );
}

/** What the terminal shows at the end of a run. */
export function formatText(report: BenchReport): string {
  const summary = summaryRows(report);
  const rounds = roundRows(report);
  const m = report.machine;
  return [
    `Roomcast bench — ${report.finishedAt} — ${m.cores} cores ${m.cpuModel}, Node ${m.node}, load ${m.loadAverage.toFixed(2)} at start`,
    loadLine(report),
    '',
    `Medians over ${report.options.rounds} round(s):`,
    renderTable(summary.headers, summary.rows, false),
    '',
    'Per round:',
    renderTable(rounds.headers, rounds.rows, false),
    ...scenarioLines(report, false),
    ...(report.warnings.length ? ['', 'Warnings:', ...report.warnings.map((w) => `  - ${w}`)] : []),
  ].join('\n');
}

/** The results section of BENCHMARKS.md, regenerated whole by each `--write` run. */
export function formatMarkdown(report: BenchReport, command: string): string {
  const summary = summaryRows(report);
  const rounds = roundRows(report);
  const m = report.machine;
  return [
    START,
    `Generated by \`${command}\` on ${report.finishedAt.slice(0, 10)} (run finished ${report.finishedAt}).`,
    '',
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; ` +
      `1-minute load average ${m.loadAverage.toFixed(2)} when the run started.`,
    '',
    `Load: ${loadLine(report)}.`,
    '',
    `Medians over ${report.options.rounds} round(s):`,
    '',
    renderTable(summary.headers, summary.rows, true),
    '',
    '<details><summary>Per round</summary>',
    '',
    renderTable(rounds.headers, rounds.rows, true),
    '',
    '</details>',
    ...scenarioLines(report, true),
    '',
    report.warnings.length ? `Warnings:\n\n${report.warnings.map((w) => `- ${w}`).join('\n')}` : 'Warnings: none.',
    END,
  ].join('\n');
}

/** Replaces the marked results section of a markdown file, or appends one; the prose around it is kept. */
export function writeResultsSection(file: string, section: string): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# Benchmarks\n\n';
  }
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n## Results\n\n${section}\n`;
  writeFileSync(file, next);
}
