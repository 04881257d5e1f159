/**
 * CPU time per job, for comparing systems on a machine whose speed drifts: the worker process's
 * own CPU, and that of the local database server's processes (PostgreSQL, Redis), read from
 * /proc. Where /proc is missing (not Linux) the server's share is not measured.
 */
import { readdirSync, readFileSync } from 'node:fs';

const SERVER_PROCESSES = new Set(['postgres', 'redis-server']);
/** USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  readonly process: NodeJS.CpuUsage;
  readonly serverSeconds: number | undefined;
}

export function readCpu(): CpuReading {
  return { process: process.cpuUsage(), serverSeconds: serverCpuSeconds() };
}

/** Microseconds of CPU per job since `start`: this process's, and the local servers' (or undefined). */
export function cpuPerJob(start: CpuReading, jobs: number): { process: number; server: number | undefined } {
  const used = process.cpuUsage(start.process);
  const now = serverCpuSeconds();
  return {
    process: (used.user + used.system) / jobs,
    server:
      now === undefined || start.serverSeconds === undefined
        ? undefined
        : ((now - start.serverSeconds) * 1e6) / jobs,
  };
}

/** User + system CPU seconds of every live database server process (they stay up during a run). */
function serverCpuSeconds(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!SERVER_PROCESSES.has(name)) continue;
    // After the name come the fields from the 3rd (state) on: utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
