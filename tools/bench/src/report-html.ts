import { writeFileSync } from 'node:fs';
import { median, niceTicks } from '@roomcast/measure';
import { ceilingRows, roundRows, stormRows, summaryRows } from './report.js';
import type { BenchReport, RoundResult } from './runner.js';
import { TARGETS, type TargetName } from './targets.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS: Record<TargetName, string> = {
  roomcast: '#2563eb',
  'roomcast-workers-2': '#4f46e5',
  'roomcast-redis': '#0891b2',
  'roomcast-redis-2': '#db2777',
  ws: '#16a34a',
  uws: '#9333ea',
  'socket.io': '#d97706',
};

interface Metric {
  title: string;
  unit: string;
  value(r: RoundResult): number;
}

const METRICS: Metric[] = [
  { title: 'Server CPU per delivered message', unit: 'µs', value: (r) => r.fanout?.cpuMicrosPerDelivery ?? Number.NaN },
  {
    title: 'Server RSS per idle connection',
    unit: 'KiB',
    value: (r) => (r.idle?.bytesPerConnection ?? Number.NaN) / 1024,
  },
  { title: 'p50 latency', unit: 'ms', value: (r) => r.fanout?.latencyMs.p50 ?? Number.NaN },
  { title: 'p99 latency', unit: 'ms', value: (r) => r.fanout?.latencyMs.p99 ?? Number.NaN },
];

/** One chart: a bar per target at its median, and a dot per round so the noise is in plain sight. */
function chart(report: BenchReport, metric: Metric): string {
  const width = 640;
  const label = 120;
  const row = 34;
  const bars = report.summary.length * row + 10;
  const height = bars + 24;
  const all = report.rounds.map(metric.value).filter(Number.isFinite);
  // The value axis steps 1, 2 or 5 times a power of ten, so the grid reads at a glance.
  const ticks = niceTicks(Math.max(...all, 1e-9) * 1.05);
  const max = ticks.at(-1) as number;
  const x = (v: number) => label + (v / max) * (width - label - 90);
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="4" y2="${bars}" stroke="#ddd"/>` +
        `<text x="${x(t).toFixed(1)}" y="${bars + 16}" text-anchor="middle" font-size="11">${t}</text>`,
    )
    .join('');
  const parts = report.summary.map((s, i) => {
    const values = report.rounds
      .filter((r) => r.target === s.target)
      .map(metric.value)
      .filter(Number.isFinite);
    const med = median(values);
    const y = 10 + i * row;
    const dots = values
      .map((v) => `<circle cx="${x(v).toFixed(1)}" cy="${y + 11}" r="4" fill="#111" fill-opacity="0.55"/>`)
      .join('');
    return (
      `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${esc(s.label)}</text>` +
      `<rect x="${label}" y="${y}" width="${Math.max(0, x(med) - label).toFixed(1)}" height="22" fill="${COLORS[s.target]}" fill-opacity="0.8"/>` +
      `${dots}<text x="${(Math.max(x(med), ...values.map(x)) + 8).toFixed(1)}" y="${y + 15}">${med.toFixed(2)} ${metric.unit}</text>`
    );
  });
  return `<figure><figcaption>${esc(metric.title)} (${metric.unit}; bar = median, dots = rounds; lower is better)</figcaption>
<svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMinYMin meet" role="img" aria-label="${esc(metric.title)}" font-family="system-ui, sans-serif" font-size="13">${grid}${parts.join('')}</svg></figure>`;
}

function table(t: { headers: string[]; rows: string[][] } | undefined): string {
  if (!t) return '';
  const head = t.headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  // Wide tables scroll sideways on a phone instead of widening the page.
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A self-contained page (no scripts, no external assets) with the charts and both tables. */
export function formatHtml(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const legend = report.summary.map(
    (s) => `<span style="color:${COLORS[s.target]}">■</span> ${esc(TARGETS[s.target].label)}`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Roomcast bench ${esc(report.finishedAt)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
svg{width:100%;height:auto;display:block}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:1rem 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
td:first-child,th:first-child{text-align:left}figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
.warn{color:#b45309}</style></head><body>
<h1>Roomcast bench</h1>
<p>${esc(report.finishedAt)} · ${m.cores} cores ${esc(m.cpuModel)} · Node ${esc(m.node)} · load ${m.loadAverage.toFixed(2)} at start</p>
<p>fanout: ${o.clients} clients in ${o.rooms} rooms, ${o.senders} senders × ${o.rate} msg/s, ${o.duration} s measured;
idle: ${o.idle} connections; ${o.rounds} round(s). ${legend.join(' ')}</p>
${METRICS.map((metric) => chart(report, metric)).join('\n')}
<h2>Medians</h2>${table(summaryRows(report))}
<h2>Per round</h2>${table(roundRows(report))}
${ceilingRows(report) ? `<h2>Ceiling</h2>${table(ceilingRows(report))}` : ''}
${stormRows(report) ? `<h2>Reconnect storm</h2>${table(stormRows(report))}` : ''}
${report.warnings.length ? `<h2>Warnings</h2><ul class="warn">${report.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

export function writeHtml(file: string, report: BenchReport): void {
  writeFileSync(file, formatHtml(report));
}
