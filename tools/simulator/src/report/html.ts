import { niceTicks } from '@roomcast/measure';
import type { RunResult } from '../result.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** x position of a percentile on the classic HDR axis: 1 / (1 - p), log scale. */
const nines = (p: number) => Math.log10(1 / Math.max(1e-6, 1 - p / 100));

export interface Series {
  label: string;
  curve: { percentile: number; ms: number }[];
}

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

/** Latency by percentile as inline SVG, one line per series: no script, no CDN, opens anywhere. */
export function percentilePlot(series: Series[], limitMs?: number): string {
  const W = 720;
  const H = 320;
  const pad = { l: 64, r: 40, t: 20, b: 44 };
  const all = series.map((s) => s.curve.filter((p) => p.percentile < 100));
  const maxX = Math.max(3, ...all.flat().map((p) => nines(p.percentile)));
  // Round latency ticks (1, 2 or 5 times a power of ten); the top tick is the top of the plot.
  const yTicks = niceTicks(Math.max(...all.flat().map((p) => p.ms), limitMs ?? 0) * 1.05);
  const maxY = yTicks.at(-1) as number;
  const x = (p: number) => pad.l + (nines(p) / maxX) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / maxY) * (H - pad.t - pad.b);
  const ticks = [0, 90, 99, 99.9, 99.99, 99.999].filter((p) => nines(p) <= maxX);
  const lines = all.flatMap((pts, i) => {
    const color = COLORS[i % COLORS.length];
    const label = series[i]?.label ?? '';
    const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.percentile).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
    return [
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`,
      ...pts.map(
        (p) =>
          `<circle cx="${x(p.percentile).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="2.5" fill="${color}"><title>${esc(label)} p${p.percentile}: ${p.ms} ms</title></circle>`,
      ),
      series.length > 1
        ? `<text x="${pad.l + 8}" y="${pad.t + 14 + i * 15}" font-size="11" fill="${color}">${esc(label)}</text>`
        : '',
    ];
  });
  return [
    // No fixed width or height: the viewBox scales the plot to the page, a phone's included.
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" preserveAspectRatio="xMidYMid meet" style="width:100%;height:auto;max-width:${W}px" role="img" aria-label="latency by percentile">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    ...ticks.map(
      (p) =>
        `<line x1="${x(p)}" x2="${x(p)}" y1="${pad.t}" y2="${H - pad.b}" stroke="#eee"/><text x="${x(p)}" y="${H - pad.b + 16}" text-anchor="middle" font-size="11">${p}%</text>`,
    ),
    ...yTicks.map(
      (v) =>
        `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v} ms</text>`,
    ),
    limitMs
      ? `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(limitMs)}" y2="${y(limitMs)}" stroke="#c33" stroke-dasharray="4 3"/><text x="${W - pad.r}" y="${y(limitMs) - 4}" text-anchor="end" font-size="11" fill="#c33">limit ${limitMs} ms</text>`
      : '',
    ...lines,
    `<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">percentile</text>`,
    '</svg>',
  ].join('\n');
}

function row(k: string, v: string): string {
  return `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`;
}

/** A self-contained HTML page: verdict, the percentile plot, the run's figures and every check. */
export function renderHtml(r: RunResult): string {
  const l = r.latency;
  const limit = r.capacity?.limitMs;
  const series: Series[] = r.capacity
    ? r.capacity.steps.map((s) => ({ label: `${s.clients} clients`, curve: s.curve }))
    : l
      ? [{ label: r.scenario, curve: l.curve }]
      : [];
  const figures = [
    row('scenario', r.scenario),
    row('target', `${r.target.urls.join(' ')}${r.target.selfStarted ? ' (started by the simulator)' : ''}`),
    row('seed', String(r.seed)),
    row('started', r.startedAt),
    row('duration', `${(r.durationMs / 1000).toFixed(1)} s`),
    row('clients', `${r.connections.opened} connected, ${r.connections.failed} failed`),
    row(
      'connect time p50 / p99',
      r.connections.connectMs ? `${r.connections.connectMs.p50} / ${r.connections.connectMs.p99} ms` : '-',
    ),
    row('sent / acked', `${r.traffic.sent} / ${r.traffic.acked}`),
    row('delivered', `${r.traffic.delivered} (${r.traffic.deliveriesPerSec}/s)`),
    row('latency p50 / p90 / p99 / p99.9 / max', l ? `${l.p50} / ${l.p90} / ${l.p99} / ${l.p999} / ${l.max} ms` : '-'),
    ...(r.drops
      ? [
          row(
            'drops',
            `${r.drops.cuts} cut${r.drops.nodeKilled ? ' (node 1 killed)' : ''}, ${r.drops.resumed} of ${r.drops.drops} resumed, longest gap ${r.drops.maxGapMs} ms`,
          ),
          row('delivery ratio', `${r.drops.deliveryRatio}% (${r.drops.received} of ${r.drops.expected})`),
        ]
      : []),
    row(
      'generator',
      `${r.generator.workers} workers, CPU ${r.generator.cpuPercent}%, busiest event loop ${Math.round(r.generator.eluMax * 100)}%`,
    ),
    ...(r.server
      ? [
          row(
            'server CPU',
            `${r.server.cpuMs} ms (${r.server.cpuUsPerDelivery ?? '-'} µs/delivery), RSS ${r.server.rssMb} MiB`,
          ),
        ]
      : []),
    ...(r.http
      ? [
          row(
            'HTTP publish',
            `${r.http.requests} requests, ${r.http.requestsPerSec}/s, p50 ${r.http.latency.p50} ms, p99 ${r.http.latency.p99} ms`,
          ),
        ]
      : []),
    row(
      'violations',
      `missing ${r.summary.missing}, duplicated ${r.summary.duplicated}, misrouted ${r.summary.misrouted}, out-of-order ${r.summary.outOfOrder}, presence ${r.summary.presence}, replies ${r.summary.replies}`,
    ),
  ].join('\n');
  const checks = r.checks
    .map(
      (c) =>
        `<tr class="${c.ok ? 'ok' : 'fail'}"><td>${esc(c.rule)}</td><td>${c.ok ? 'ok' : 'FAIL'}</td><td>${c.violations}</td><td>${esc(c.description)}${c.examples.length ? `<ul>${c.examples.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}</td></tr>`,
    )
    .join('\n');
  const steps = r.capacity
    ? `<h2>Capacity steps</h2><table><tr><th>clients</th><th>deliveries/s</th><th>p50</th><th>p95</th><th>p99</th></tr>${r.capacity.steps
        .map(
          (s) =>
            `<tr class="${s.underLimit ? 'ok' : 'fail'}"><td>${s.clients}</td><td>${s.deliveriesPerSec}</td><td>${s.p50 ?? '-'}</td><td>${s.p95 ?? '-'}</td><td>${s.p99 ?? '-'}</td></tr>`,
        )
        .join(
          '',
        )}</table><p>Largest client count with p95 under ${r.capacity.limitMs} ms: <b>${r.capacity.maxClients}</b></p>`
    : '';
  const list = (title: string, items: string[]) =>
    items.length ? `<h2>${title}</h2><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>roomcast-sim ${esc(r.scenario)}: ${r.ok ? 'PASS' : 'FAIL'}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:900px;padding:0 .75rem;color:#111}
.scroll{overflow-x:auto}td{overflow-wrap:anywhere}
h1 .ok{color:#15803d}h1 .fail{color:#b91c1c}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
tr.fail td{background:#fef2f2}table.checks tr.ok td:nth-child(2){color:#15803d}ul{margin:.2rem 0}
</style></head><body>
<h1>roomcast-sim ${esc(r.scenario)}: <span class="${r.ok ? 'ok' : 'fail'}">${r.ok ? 'PASS' : 'FAIL'}</span></h1>
<h2>Delivery latency by percentile</h2>
${l ? `<p>Sender's timestamp to each receipt, ${l.count} receipts, all workers merged (HDR histogram)${r.capacity ? '; one line per step' : ''}.</p>${percentilePlot(series, limit)}` : '<p>No message was delivered.</p>'}
<h2>Figures</h2><div class="scroll"><table>${figures}</table></div>
${steps}
<h2>Checks</h2><div class="scroll"><table class="checks"><tr><th>rule</th><th>result</th><th>violations</th><th>meaning</th></tr>${checks}</table></div>
${list('Warnings', r.warnings)}${list('Notes', r.notes)}
<details><summary>Options</summary><pre>${esc(JSON.stringify(r.options, null, 2))}</pre></details>
</body></html>
`;
}
