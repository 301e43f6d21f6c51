import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time of a process in clock ticks, user and system, from the fields after the command name. */
export interface CpuTicks {
  utime: number;
  stime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and parentheses,
 * so fields are counted from the last ')'.
 */
export function parseStat(text: string): CpuTicks {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error('Not a /proc/<pid>/stat line: no command name');
  // After ')': field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12.
  const fields = text
    .slice(end + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error('Malformed /proc/<pid>/stat line');
  return { utime, stime };
}

/** Resident pages, the second field of /proc/<pid>/statm. */
export function parseStatmResident(text: string): number {
  const pages = Number(text.trim().split(/\s+/)[1]);
  if (!Number.isInteger(pages)) throw new Error('Malformed /proc/<pid>/statm line');
  return pages;
}

/** A `Vm...: N kB` line of /proc/<pid>/status (VmRSS, VmHWM), in bytes. */
export function parseStatusKb(text: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`No ${field} line in /proc/<pid>/status`);
  return Number(match[1]) * 1024;
}

function getconf(name: string): number {
  let raw: string;
  try {
    raw = execFileSync('getconf', [name], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`cannot read ${name} from the system (getconf ${name}): ${(err as Error).message}`);
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`getconf ${name} gave "${raw}", not a positive integer`);
  return value;
}

let constants: { clockTicks: number; pageSize: number } | undefined;

/** Kernel clock ticks per second (USER_HZ) and the page size, read once from the system, never assumed. */
export function systemConstants(): { clockTicks: number; pageSize: number } {
  constants ??= { clockTicks: getconf('CLK_TCK'), pageSize: getconf('PAGESIZE') };
  return constants;
}

/** Total CPU (user + system) a live process has used, in microseconds. */
export function processCpuMicros(pid: number): number {
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ((utime + stime) * 1_000_000) / systemConstants().clockTicks;
}

/** Resident set size of a live process, in bytes: resident pages times the system's page size. */
export function processRssBytes(pid: number): number {
  return parseStatmResident(readFileSync(`/proc/${pid}/statm`, 'utf8')) * systemConstants().pageSize;
}

/** The most a process has ever held resident (VmHWM), in bytes: a peak no sampling interval can miss. */
export function processPeakRssBytes(pid: number): number {
  return parseStatusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
}

/** Busy and total CPU time of the whole machine, in clock ticks summed over cores. */
export interface MachineTicks {
  busy: number;
  total: number;
}

/**
 * Parses the aggregate `cpu` line of /proc/stat. Busy is everything but idle and iowait;
 * guest time is already counted inside user and nice, so it is not added twice.
 */
export function parseMachineStat(text: string): MachineTicks {
  const line = /^cpu\s+(.+)$/m.exec(text)?.[1];
  if (!line) throw new Error('No aggregate cpu line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Busy and total CPU the whole machine has spent, in microseconds summed over cores. */
export function machineMicros(): { busy: number; total: number } {
  const { busy, total } = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
  const perTick = 1_000_000 / systemConstants().clockTicks;
  return { busy: busy * perTick, total: total * perTick };
}

/** Direct children of a process, from /proc/<pid>/task/<tid>/children (every thread's); [] once it is gone. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) out.push(Number(child));
      }
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** A process and all its descendants (a cluster primary and its workers), parents first. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i] as number));
  return out;
}
