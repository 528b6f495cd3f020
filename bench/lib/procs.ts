import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per process from /proc (Linux): who burns the machine's cores during a load test.
 * Times are in ms of CPU (user + system, all threads of the process).
 */
export interface ProcCpu {
  pid: number;
  comm: string;
  cmdline: string;
  cpuMs: number;
  /** Start time (clock ticks after boot): tells a reused pid apart (comm is no use: kernel workers rename themselves). */
  start: number;
}

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICK_MS = 10;

export function readProcs(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may contain spaces: the fields follow the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is field 3 (state): utime is field 14, stime field 15.
      const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      // fields[19] is field 22 (starttime).
      out.set(Number(name), { pid: Number(name), comm, cmdline, cpuMs, start: Number(fields[19]) });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out;
}

/** CPU ms each process used between two snapshots (processes started in between count from zero). */
export function cpuDelta(before: Map<number, ProcCpu>, after: Map<number, ProcCpu>): ProcCpu[] {
  const out: ProcCpu[] = [];
  for (const p of after.values()) {
    const b = before.get(p.pid);
    const d = b && b.start === p.start ? p.cpuMs - b.cpuMs : p.cpuMs;
    if (d > 0) out.push({ ...p, cpuMs: d });
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell a saturated machine from a waiting one. */
export interface MachineCpu {
  busy: number;
  iowait: number;
  total: number;
}

export function readMachineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...nums] = line.trim().split(/\s+/);
    const v = nums.map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, iowait: v[4] ?? 0, total };
  } catch {
    return { busy: 0, iowait: 0, total: 0 };
  }
}

/** Busy and iowait share (0..1) of all cores between two readings. */
export function machineShare(a: MachineCpu, b: MachineCpu): { busy: number; iowait: number } {
  const total = b.total - a.total;
  if (total <= 0) return { busy: 0, iowait: 0 };
  return { busy: (b.busy - a.busy) / total, iowait: (b.iowait - a.iowait) / total };
}

/** CPU ms (user + system) of one thread; a process's main thread has tid = pid. 0 once it is gone. */
export function readThreadCpuMs(pid: number, tid: number = pid): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
