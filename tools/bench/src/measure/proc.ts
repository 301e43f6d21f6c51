import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** Parses the VmRSS line of /proc/<pid>/status into bytes. */
export function parseVmRss(text: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!match?.[1]) throw new Error('No VmRSS line in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ); 100 on nearly every Linux. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Total CPU (user + system) a live process has used, in microseconds. */
export function processCpuMicros(pid: number): number {
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ((utime + stime) * 1_000_000) / clockTicksPerSecond();
}

/** Resident set size of a live process, in bytes. */
export function processRssBytes(pid: number): number {
  return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
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

/** CPU the whole machine has spent busy, in microseconds summed over cores. */
export function machineBusyMicros(): number {
  return (parseMachineStat(readFileSync('/proc/stat', 'utf8')).busy * 1_000_000) / clockTicksPerSecond();
}
