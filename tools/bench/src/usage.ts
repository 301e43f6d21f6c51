import { processCpuMicros, processPeakRssBytes, processRssBytes } from '@roomcast/measure';

// A target may be several processes (nodes, cluster workers, Redis): its cost is their sum.
const sum = (pids: readonly number[], read: (pid: number) => number) => pids.reduce((n, pid) => n + read(pid), 0);

export const cpuMicros = (pids: readonly number[]) => sum(pids, processCpuMicros);
export const rssBytes = (pids: readonly number[]) => sum(pids, processRssBytes);
/** The sum of each process's own peak: an upper bound when the peaks did not coincide. */
export const peakRssBytes = (pids: readonly number[]) => sum(pids, processPeakRssBytes);
