/**
 * CPU of every process of a benchmark run: this process from `process.cpuUsage`, its children,
 * the broker and PostgreSQL (server and backends) from /proc. bench.sh passes the broker's and
 * PostgreSQL's pids (BENCH_BROKER_PID, BENCH_PG_PID) when they run on this machine.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / 100; // USER_HZ: /proc counts CPU time in 1/100 s on Linux

/** utime + stime (+ cutime + cstime: reaped children) of one process, in µs; 0 once it is gone. */
export function procCpuUs(pid: number, withReaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const ticks = Number(fields[11]) + Number(fields[12]) + (withReaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks * TICK_US;
  } catch {
    return 0;
  }
}

/** A server and its children (PostgreSQL's backends), children that ended included. */
function treeCpuUs(root: number): number {
  let total = procCpuUs(root, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === root) total += procCpuUs(Number(entry));
    } catch {
      // the process ended between listing and reading
    }
  }
  return total;
}

export const brokerPid = Number(process.env.BENCH_BROKER_PID ?? 0);
export const postgresPid = Number(process.env.BENCH_PG_PID ?? 0);

export interface CpuSample {
  bench: number;
  children: number;
  broker: number;
  postgres: number;
}

export function cpuSample(children: number[]): CpuSample {
  const own = process.cpuUsage();
  return {
    bench: own.user + own.system,
    children: children.reduce((sum, pid) => sum + procCpuUs(pid), 0),
    broker: brokerPid ? procCpuUs(brokerPid) : 0,
    postgres: postgresPid ? treeCpuUs(postgresPid) : 0,
  };
}

export function cpuSince(start: CpuSample, children: number[]): CpuSample {
  const end = cpuSample(children);
  return {
    bench: end.bench - start.bench,
    children: end.children - start.children,
    broker: end.broker - start.broker,
    postgres: end.postgres - start.postgres,
  };
}

export const totalCpu = (cpu: CpuSample) => cpu.bench + cpu.children + cpu.broker + cpu.postgres;

/** The machine's CPU time so far by state, from /proc/stat's `cpu` line (user … steal), in ticks. */
export function machineTicks(): number[] {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  return line.split(/\s+/).slice(1, 9).map(Number);
}

/**
 * The share of the machine's CPU time since `start` (`machineTicks()`) that the host gave to
 * other guests (steal): on a virtual machine the same code ran at half speed on some evenings,
 * every process's CPU per event doubling with it, so a run says how much it was robbed.
 */
export function stealSince(start: number[]): string {
  const delta = machineTicks().map((ticks, index) => ticks - (start[index] ?? 0));
  const total = delta.reduce((sum, ticks) => sum + ticks, 0);
  return total > 0 ? `${((100 * delta[7]!) / total).toFixed(1)} %` : 'unknown';
}
