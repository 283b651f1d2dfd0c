import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux, whatever the kernel's HZ). */
const TICKS_PER_SECOND = 100;

/**
 * The postmaster's pid from its data directory, or undefined when it cannot be read (a server
 * elsewhere, or not Linux): then no server CPU is reported.
 */
export function postmasterPid(dataDir: string | undefined): number | undefined {
  if (dataDir === undefined) return undefined;
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && readStat(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the whole server has used so far: the postmaster, every live process it started
 * (backends, WAL writer, checkpointer...), and those it has reaped (their times are added to its
 * children's times). Read from /proc, in 10 ms ticks: over a timed loop of a second or more, a few
 * per cent at worst. Undefined when /proc cannot be read.
 */
export function serverCpuSeconds(postmaster: number | undefined): number | undefined {
  if (postmaster === undefined) return undefined;
  // A process reaped between reading it and reading the postmaster would be counted twice or
  // not at all: read until the postmaster's children's times did not move during the scan.
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = readStat(postmaster);
    if (!before) return undefined;
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(Number(entry));
      if (stat && stat.ppid === postmaster) ticks += stat.utime + stat.stime;
    }
    const after = readStat(postmaster);
    if (!after) return undefined;
    if (after.cutime === before.cutime && after.cstime === before.cstime) {
      return (ticks + after.utime + after.stime + after.cutime + after.cstime) / TICKS_PER_SECOND;
    }
  }
  return undefined;
}

/**
 * CPU seconds of this process's children that have exited and been reaped (pgbench, run with
 * execFile): the difference around one child's run is that child's CPU. Undefined without /proc.
 */
export function reapedChildrenCpuSeconds(): number | undefined {
  const own = readStat(process.pid);
  return own ? (own.cutime + own.cstime) / TICKS_PER_SECOND : undefined;
}

interface ProcStat {
  readonly ppid: number;
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Gone meanwhile, or no /proc.
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of proc(5), here from field 3 on.
  return {
    ppid: Number(fields[1]),
    utime: Number(fields[11]),
    stime: Number(fields[12]),
    cutime: Number(fields[13]),
    cstime: Number(fields[14]),
  };
}
