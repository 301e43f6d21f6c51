#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { reportPath, stamp, stderrProgress } from '@roomcast/measure';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS, isScenario, OptionsError, SCENARIOS, type ScenarioName, type SimOptions } from './options.js';
import { renderHtml } from './report/html.js';
import { renderTable } from './report/table.js';
import { type RunHooks, runScenario } from './run.js';
import { TargetError } from './target.js';
import type { Counters } from './wire.js';

const number = (name: string) => (raw: string) => {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a number`);
  return v;
};
const integer = (name: string) => (raw: string) => {
  const v = number(name)(raw);
  if (!Number.isInteger(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return v;
};

/** "40 (semantics), 200 (fanout), ..." from the defaults table. */
const perScenario = (key: keyof (typeof DEFAULTS)['semantics']) => {
  const values = SCENARIOS.map((s) => `${DEFAULTS[s][key]} (${s})`);
  return `default: ${values.join(', ')}`;
};

const SCENARIO_HELP = `
Scenarios:
  semantics  (default) clients join, chat, leave and reconnect in a seeded random order; checks every rule of
             protocol v1 and counts missing, duplicated, misrouted and out-of-order deliveries
  fanout     C clients in R rooms, S senders at M msg/s for D s: delivery latency p50..max, deliveries/s
  capacity   adds --step clients at a time until p95 latency passes --latency-limit; reports the largest count
  churn      --senders clients chat while the others connect and disconnect continuously; presence and delivery
             must stay correct
  publish    autocannon drives POST /rooms/:room/messages (--senders connections at --rate req/s each) while
             --clients WebSocket clients in the room(s) measure delivery
  drops      --senders chat while a proxy cuts --drops connections at random (no close frame); clients resume
             with their token and positions; every member must get every message of its room since it joined
             exactly once and in order, each resume recovered: true; prints the delivery ratio (the bar: 100%)

Without --url the simulator starts the Roomcast server on a free loopback port, raising its rate and connection
limits as the scenario needs (the output says which), and stops it at the end. Only loopback or --url is ever
contacted. The exit code is 0 only when every check held; 1 when one failed; 2 on a usage or startup error.

Examples:
  pnpm sim                                   semantics against a server it starts itself
  pnpm sim fanout --clients 500 --report      HTML report in artifacts/ (git-ignored)
  pnpm sim capacity --latency-limit 100 --step 200 --clients 3000
  pnpm sim churn --url ws://127.0.0.1:3000/ws --json > churn.json
  pnpm sim semantics --url ws://127.0.0.1:3001/ws --url ws://127.0.0.1:3002/ws --presence-grace-ms 5000
  pnpm sim drops --url ws://127.0.0.1:3001/ws --url ws://127.0.0.1:3002/ws --presence-grace-ms 5000 --kill-node <pid>
`;

export function buildProgram(): Command {
  return new Command()
    .name('roomcast-sim')
    .description('Many headless Roomcast clients that prove the protocol semantics and measure latency.')
    .argument('[scenario]', `one of: ${SCENARIOS.join(', ')}`, 'semantics')
    .option(
      '--url <ws-url>',
      'server to test, e.g. ws://127.0.0.1:3000/ws; repeat it for the nodes of one cluster: clients are spread over them round-robin (default: start one on loopback)',
      (raw: string, prev: string[] | undefined) => [...(prev ?? []), raw],
    )
    .addOption(
      new Option(
        '--presence-grace-ms <ms>',
        "with --url: the servers' PRESENCE_GRACE_MS, which must match theirs; departures are judged that much later (default: 0; a server the simulator starts gets 0, drops 5000)",
      ).argParser(integer('--presence-grace-ms')),
    )
    .addOption(
      new Option('--drops <n>', 'drops: connections cut at random times during the run (default: --clients)').argParser(
        integer('--drops'),
      ),
    )
    .addOption(
      new Option(
        '--kill-node <pid>',
        'drops, with two or more --url: SIGKILL this local process (the one serving the first --url) mid-run; its clients must resume on the other nodes',
      ).argParser(integer('--kill-node')),
    )
    .addOption(
      new Option('--clients <n>', `clients (capacity: the most to try); ${perScenario('clients')}`).argParser(
        integer('--clients'),
      ),
    )
    .addOption(
      new Option('--rooms <n>', `rooms the clients spread over; ${perScenario('rooms')}`).argParser(integer('--rooms')),
    )
    .addOption(
      new Option(
        '--senders <n>',
        `clients that chat (semantics: the others only move between rooms; churn: the others come and go; publish: HTTP connections); default: all clients (semantics), ${SCENARIOS.filter(
          (s) => s !== 'semantics',
        )
          .map((s) => `${DEFAULTS[s].senders} (${s})`)
          .join(', ')}`,
      ).argParser(integer('--senders')),
    )
    .addOption(
      new Option(
        '--rate <n>',
        `messages/s per sender (semantics, churn: actions/s per client); ${perScenario('rate')}`,
      ).argParser(number('--rate')),
    )
    .addOption(
      new Option('--duration <s>', `seconds of traffic (capacity: per step); ${perScenario('duration')}`).argParser(
        number('--duration'),
      ),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the randomized script (default: random, printed in the result)').argParser(
        integer('--seed'),
      ),
    )
    .addOption(
      new Option('--workers <n>', 'client worker threads (default: one per core, fewer for small runs)').argParser(
        integer('--workers'),
      ),
    )
    .addOption(
      new Option('--timeout <ms>', 'how long a request waits for its reply (default: 5000)').argParser(
        integer('--timeout'),
      ),
    )
    .addOption(
      new Option('--size <bytes>', `padding added to each message text; ${perScenario('size')}`).argParser(
        integer('--size'),
      ),
    )
    .addOption(
      new Option('--latency-limit <ms>', 'capacity: p95 latency limit (default: 250)').argParser(
        number('--latency-limit'),
      ),
    )
    .addOption(new Option('--step <n>', 'capacity: clients added per step (default: 250)').argParser(integer('--step')))
    .option('--token <jwt>', 'access token every client presents, for a server with auth on (default: none)')
    .option(
      '--jwt-secret <secret>',
      'HS256 secret to mint one token per client (sub = its name); a server the simulator starts gets it as AUTH_JWT_SECRET (default: none)',
    )
    .option('--json', 'print the result as JSON on stdout instead of the table (default: off)')
    .option(
      '--report [file.html]',
      'also write a self-contained HTML report with the latency percentile plot (no file: artifacts/sim-<scenario>-<time>.html)',
    )
    .option('--no-progress', 'no live progress line (default: shown when stderr is a terminal)')
    .addHelpText('after', SCENARIO_HELP)
    .showHelpAfterError();
}

/** What the live progress line shows: the phase, the counts and the delivery rate over the last second. */
function liveLine(): { hooks: RunHooks; render: () => string } {
  const started = Date.now();
  let phase = 'starting';
  let counters: Counters | undefined;
  let from = { t: started, delivered: 0 };
  let rate = 0;
  return {
    hooks: {
      onPhase: (p) => {
        phase = p;
      },
      onProgress: (c) => {
        counters = c;
        const t = Date.now();
        if (t - from.t >= 1000) {
          rate = Math.round(((c.delivered - from.delivered) * 1000) / (t - from.t));
          from = { t, delivered: c.delivered };
        }
      },
    },
    render: () => {
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      const c = counters;
      return c
        ? `[${secs}s] ${phase}: connected ${c.open}  sent ${c.sent}  delivered ${c.delivered} (${rate}/s)  errors ${c.errors + c.connectFailures}`
        : `[${secs}s] ${phase}`;
    },
  };
}

interface CliFlags extends Partial<SimOptions> {
  json?: boolean;
  report?: string | true;
  progress: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    program.parse(argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const [name] = program.args as [string | undefined];
  const scenario = name ?? 'semantics';
  if (!isScenario(scenario)) {
    process.stderr.write(`roomcast-sim: unknown scenario "${scenario}"; choose one of ${SCENARIOS.join(', ')}\n`);
    return 2;
  }
  const { json, report, progress: showProgress, ...given } = program.opts<CliFlags>();
  const live = liveLine();
  const stop = stderrProgress(!showProgress).live(live.render);
  try {
    const result = await runScenario(scenario as ScenarioName, given, live.hooks).finally(stop);
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${renderTable(result)}\n`);
    if (report) {
      const path = reportPath(report, `sim-${scenario}-${stamp()}.html`);
      writeFileSync(path, renderHtml(result));
      process.stderr.write(`report written to ${path}\n`);
    }
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof OptionsError || err instanceof TargetError) {
      process.stderr.write(`roomcast-sim: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`roomcast-sim: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv);
