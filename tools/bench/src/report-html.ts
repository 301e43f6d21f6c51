import { writeFileSync } from 'node:fs';
import { median } from './measure/stats.js';
import { roundRows, summaryRows } from './report.js';
import type { BenchReport, RoundResult } from './runner.js';
import { TARGETS, type TargetName } from './targets.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS: Record<TargetName, string> = { roomcast: '#2563eb', ws: '#16a34a', 'socket.io': '#d97706' };

interface Metric {
  title: string;
  unit: string;
  value(r: RoundResult): number;
}

const METRICS: Metric[] = [
  { title: 'Server CPU per delivered message', unit: 'µs', value: (r) => r.fanout.cpuMicrosPerDelivery },
  { title: 'Server RSS per idle connection', unit: 'KiB', value: (r) => r.idle.bytesPerConnection / 1024 },
  { title: 'p50 latency', unit: 'ms', value: (r) => r.fanout.latencyMs.p50 },
  { title: 'p99 latency', unit: 'ms', value: (r) => r.fanout.latencyMs.p99 },
];

/** One chart: a bar per target at its median, and a dot per round so the noise is in plain sight. */
function chart(report: BenchReport, metric: Metric): string {
  const width = 640;
  const label = 120;
  const row = 34;
  const height = report.summary.length * row + 30;
  const all = report.rounds.map(metric.value).filter(Number.isFinite);
  const max = Math.max(...all, 1e-9) * 1.1;
  const x = (v: number) => label + (v / max) * (width - label - 90);
  const parts = report.summary.map((s, i) => {
    const values = report.rounds.filter((r) => r.target === s.target).map(metric.value);
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
<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13">${parts.join('')}</svg></figure>`;
}

function table(t: { headers: string[]; rows: string[][] }): string {
  const head = t.headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A self-contained page (no scripts, no external assets) with the charts and both tables. */
export function formatHtml(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const legend = report.summary.map(
    (s) => `<span style="color:${COLORS[s.target]}">■</span> ${esc(TARGETS[s.target].label)}`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roomcast bench ${esc(report.finishedAt)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
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
${report.warnings.length ? `<h2>Warnings</h2><ul class="warn">${report.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

export function writeHtml(file: string, report: BenchReport): void {
  writeFileSync(file, formatHtml(report));
}
