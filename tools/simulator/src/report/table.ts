import Table from 'cli-table3';
import type { RunResult } from '../result.js';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(2)} ms`);
const plain = { head: [] as string[], border: [] as string[], compact: true };

/** The human-readable end-of-run report: figures, then every check with its verdict. */
export function renderTable(r: RunResult): string {
  const out: string[] = [];
  const verdict = r.ok ? 'PASS' : 'FAIL';
  out.push(
    `roomcast-sim ${r.scenario}: ${verdict}  (seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s, ${r.target.urls.join(' ')})`,
  );

  const figures = new Table({ style: plain });
  const c = r.connections;
  figures.push(
    ['connections', `${c.opened} opened, ${c.failed} failed`],
    [
      'connect time',
      c.connectMs ? `p50 ${ms(c.connectMs.p50)}  p99 ${ms(c.connectMs.p99)}  max ${ms(c.connectMs.max)}` : '-',
    ],
    ['sent / acked', `${r.traffic.sent} / ${r.traffic.acked}`],
    [
      'delivered',
      `${r.traffic.delivered} messages (${r.traffic.deliveriesPerSec}/s), ${r.traffic.presence} presence events`,
    ],
  );
  const errors = Object.entries(r.traffic.errors);
  if (errors.length > 0) figures.push(['error frames', errors.map(([k, v]) => `${k}: ${v}`).join(', ')]);
  const l = r.latency;
  figures.push([
    'latency',
    l
      ? `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)}  (n=${l.count})`
      : '-',
  ]);
  if (r.http) {
    const h = r.http;
    figures.push(
      ['http publish', `${h.requests} requests, ${h.requestsPerSec}/s, ${h.non2xx} non-2xx, ${h.errors} errors`],
      [
        'http latency',
        `p50 ${ms(h.latency.p50)}  p90 ${ms(h.latency.p90)}  p99 ${ms(h.latency.p99)}  max ${ms(h.latency.max)}`,
      ],
    );
  }
  if (r.drops) {
    const d = r.drops;
    figures.push(
      [
        'drops',
        `${d.cuts} cut${d.nodeKilled ? ' (node 1 killed)' : ''}, ${d.resumed} of ${d.drops} resumed, longest gap ${d.maxGapMs} ms, ${d.failedAttempts} failed attempts`,
      ],
      ['delivery ratio', `${d.deliveryRatio}% (${d.received} of ${d.expected}; the bar is 100%)`],
    );
  }
  const g = r.generator;
  figures.push([
    'generator',
    `${g.workers} workers, CPU ${g.cpuPercent}% of the machine, event loops ${Math.round(g.eluMean * 100)}% busy (max ${Math.round(g.eluMax * 100)}%)${g.saturated ? '  SATURATED' : ''}`,
  ]);
  if (r.server) {
    const per = r.server.cpuUsPerDelivery === null ? '' : `, ${r.server.cpuUsPerDelivery} µs per delivery`;
    figures.push(['server', `CPU ${r.server.cpuMs} ms${per}, RSS ${r.server.rssMb} MiB`]);
  }
  const s = r.summary;
  figures.push([
    'violations',
    `missing ${s.missing}, duplicated ${s.duplicated}, misrouted ${s.misrouted}, out-of-order ${s.outOfOrder}, presence ${s.presence}, replies ${s.replies}`,
  ]);
  out.push(figures.toString());

  if (r.capacity) {
    const steps = new Table({
      head: ['clients', 'deliveries/s', 'p50', 'p95', 'p99', `p95 < ${r.capacity.limitMs} ms`],
      style: plain,
    });
    for (const st of r.capacity.steps) {
      steps.push([st.clients, st.deliveriesPerSec, ms(st.p50), ms(st.p95), ms(st.p99), st.underLimit ? 'yes' : 'NO']);
    }
    out.push(steps.toString(), `capacity: ${r.capacity.maxClients} clients with p95 under ${r.capacity.limitMs} ms`);
  }

  const checks = new Table({ head: ['check', 'result', 'violations'], style: plain });
  for (const check of r.checks) checks.push([check.rule, check.ok ? 'ok' : 'FAIL', check.violations]);
  out.push(checks.toString());
  for (const check of r.checks.filter((c) => !c.ok)) {
    out.push(`FAIL ${check.rule}: ${check.description}`);
    for (const e of check.examples) out.push(`  - ${e}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const w of r.warnings) out.push(`WARNING: ${w}`);
  return out.join('\n');
}
