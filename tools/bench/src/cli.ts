#!/usr/bin/env node
import { reportPath, stamp, stderrProgress } from '@roomcast/measure';
import { Command, InvalidArgumentError, Option } from 'commander';

import {
  type BenchOptions,
  checkOptions,
  DEFAULT_OPTIONS,
  estimateSeconds,
  SCENARIO_NAMES,
  type ScenarioName,
} from './options.js';
import { formatMarkdown, formatText, writeResultsSection } from './report.js';
import { writeHtml } from './report-html.js';
import { runBench } from './runner.js';
import { killAllServers } from './server-process.js';
import { TARGET_NAMES, type TargetName } from './targets.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('Not an integer.');
  return n;
};
const scenarioList = (value: string) => {
  const names = value.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !SCENARIO_NAMES.includes(n as ScenarioName));
  if (bad.length)
    throw new InvalidArgumentError(`Unknown scenario(s) ${bad.join(', ')}; known: ${SCENARIO_NAMES.join(', ')}.`);
  return names as ScenarioName[];
};
const targetList = (value: string) => {
  const names = value.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !TARGET_NAMES.includes(n as TargetName));
  if (bad.length)
    throw new InvalidArgumentError(`Unknown target(s) ${bad.join(', ')}; known: ${TARGET_NAMES.join(', ')}.`);
  return names as TargetName[];
};

const d = DEFAULT_OPTIONS;
const program = new Command('pnpm bench')
  .description(
    'Runs the same scenarios against Roomcast, minimal ws and uWebSockets.js servers and Socket.IO 4, side by side, ' +
      'each as its own process on loopback, and prints medians with ratios against Roomcast. ' +
      'idle-memory, fanout (many rooms) and room (one big room) run every round; the ceiling search and the ' +
      'reconnect storm once per single-server target.',
  )
  .option('--clients <n>', 'fanout: connected clients', int, d.clients)
  .option('--rooms <n>', 'fanout: rooms the clients are spread over', int, d.rooms)
  .option('--senders <n>', 'fanout: clients that also send, spread over the rooms', int, d.senders)
  .option('--rate <n>', 'fanout: messages per second per sender', int, d.rate)
  .option('--room-clients <n>', 'room: clients in the one big room', int, d.roomClients)
  .option('--room-senders <n>', 'room: how many of them send', int, d.roomSenders)
  .option('--room-rate <n>', 'room: messages per second per sender', int, d.roomRate)
  .option('--duration <s>', 'fanout and room: measured seconds per target and round', int, d.duration)
  .option('--warmup <s>', 'fanout and room: seconds of load before measuring', int, d.warmup)
  .option('--text-bytes <n>', 'bytes of message text (timestamp + filler)', int, d.textBytes)
  .option('--idle <n>', 'idle-memory: connections held open', int, d.idle)
  .option('--idle-room-size <n>', 'idle-memory: connections per room', int, d.idleRoomSize)
  .option('--rounds <n>', 'rounds over all targets; medians are reported', int, d.rounds)
  .option('--workers <n>', 'load driver worker threads', int, d.workers)
  .addOption(
    new Option('--targets <list>', `comma-separated targets (${TARGET_NAMES.join(', ')})`)
      .argParser(targetList)
      .default(d.targets, d.targets.join(',')),
  )
  .addOption(
    new Option('--scenarios <list>', `comma-separated scenarios (${SCENARIO_NAMES.join(', ')})`)
      .argParser(scenarioList)
      .default(d.scenarios, d.scenarios.join(',')),
  )
  .option('--ceiling-clients <n>', 'ceiling: clients in the one room', int, d.ceilingClients)
  .option('--ceiling-senders <n>', 'ceiling: how many of them send', int, d.ceilingSenders)
  .option('--ceiling-start <n>', 'ceiling: deliveries/s offered at the first step (x1.5 a step)', int, d.ceilingStart)
  .option('--ceiling-steps <n>', 'ceiling: most steps per target', int, d.ceilingSteps)
  .option(
    '--ceiling-step-seconds <s>',
    'ceiling: measured seconds per step (after 1 s of warm-up)',
    int,
    d.ceilingStepSeconds,
  )
  .option('--ceiling-p99 <ms>', 'ceiling: a step holds while its p99 latency is at most this', int, d.ceilingP99)
  .option(
    '--sample-every <n>',
    'room and ceiling: the light receive path parses and times one delivery in n',
    int,
    d.sampleEvery,
  )
  .option('--storm-clients <n>', 'storm: clients connecting at once', int, d.stormClients)
  .option('--storm-room-size <n>', 'storm: clients per room', int, d.stormRoomSize)
  .option('--json', 'print the full report as JSON on stdout instead of tables (nothing else goes to stdout)', false)
  .option('--write [file]', 'refresh the results section of a markdown file (default BENCHMARKS.md)')
  .option('--html [file]', 'also write a self-contained HTML report with charts (default artifacts/bench-<time>.html)')
  .option('--quiet', 'no progress on stderr', false)
  .showHelpAfterError();

// Usage errors exit 2, like the simulator's; --help and --version exit 0.
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
program.parse();
const flags = program.opts<
  BenchOptions & { json: boolean; write?: string | true; html?: string | true; quiet: boolean }
>();
const options: BenchOptions = {
  clients: flags.clients,
  rooms: flags.rooms,
  senders: flags.senders,
  rate: flags.rate,
  roomClients: flags.roomClients,
  roomSenders: flags.roomSenders,
  roomRate: flags.roomRate,
  duration: flags.duration,
  warmup: flags.warmup,
  textBytes: flags.textBytes,
  idle: flags.idle,
  idleRoomSize: flags.idleRoomSize,
  rounds: flags.rounds,
  workers: flags.workers,
  targets: flags.targets,
  scenarios: flags.scenarios,
  ceilingClients: flags.ceilingClients,
  ceilingSenders: flags.ceilingSenders,
  ceilingStart: flags.ceilingStart,
  ceilingSteps: flags.ceilingSteps,
  ceilingStepSeconds: flags.ceilingStepSeconds,
  ceilingP99: flags.ceilingP99,
  sampleEvery: flags.sampleEvery,
  stormClients: flags.stormClients,
  stormRoomSize: flags.stormRoomSize,
};
const problems = checkOptions(options);
if (problems.length) program.error(`Invalid options:\n  ${problems.join('\n  ')}`, { exitCode: 2 });

// However a run ends, no server process outlives it.
const abort = (message: string, code: number) => {
  killAllServers();
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
process.once('SIGINT', () => abort('bench: interrupted; servers stopped', 130));
process.once('SIGTERM', () => abort('bench: terminated; servers stopped', 143));
process.once('exit', killAllServers);
const budget = estimateSeconds(options) * 2 + 60;
setTimeout(() => abort(`bench: still running after ${budget} s; stopped`, 1), budget * 1000).unref();

const progress = stderrProgress(flags.quiet);
progress.line(`bench: ${options.targets.join(', ')}; about ${estimateSeconds(options)} s at most`);
try {
  const report = await runBench(options, progress);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatText(report)}\n`);
  if (flags.write) {
    const file = flags.write === true ? 'BENCHMARKS.md' : flags.write;
    writeResultsSection(file, formatMarkdown(report, ['pnpm bench', ...process.argv.slice(2)].join(' ')));
    progress.line(`bench: results written to ${file}`);
  }
  if (flags.html) {
    const file = reportPath(flags.html, `bench-${stamp()}.html`);
    writeHtml(file, report);
    progress.line(`bench: HTML report written to ${file}`);
  }
  process.exit(0);
} catch (err) {
  abort(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 1);
}
