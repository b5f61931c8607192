import { readFileSync } from 'node:fs';
import { EventLoopUtilization, performance } from 'node:perf_hooks';
import { Client } from 'pg';

/** Linux reports process times in clock ticks: 100 a second on every common kernel build. */
const TICK_MS = 10;

/** CPU time (user + system) of processes by pid, from /proc; pids that are gone count 0. */
function procCpuMs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // Not on this machine (a remote server) or already exited.
    }
  }
  return total;
}

function isPostgresHere(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

/** Where a stretch of work spent CPU: this process, and PostgreSQL's backends for the database. */
export interface CpuSpent {
  wallMs: number;
  /** CPU of this Node process (all its threads: the event loop, libuv, onnxruntime). */
  nodeMs: number;
  /** Share of the wall time the event loop was busy (1 = saturated). */
  eventLoop: number;
  /** CPU of the server processes serving connections to the bench database; null if remote. */
  postgresMs: number | null;
  /** CPU of the other local processes named at the start (the HTTP clients' process). */
  othersMs: number;
  /**
   * Transactions the bench database committed or rolled back (pg_stat_database; backends report
   * within a second, so a round of many seconds is counted to within a few per cent).
   */
  transactions: number;
}

/**
 * Starts measuring; the returned function ends it. PostgreSQL backends are found through
 * pg_stat_activity and read in /proc, so they count only when the server runs on this machine.
 * `others`: pids of further local processes whose CPU the stretch also costs.
 */
export async function measureCpu(
  owner: Client,
  database: string,
  others: readonly number[] = [],
): Promise<() => Promise<CpuSpent>> {
  const backends = async () =>
    (
      await owner.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [
        database,
      ])
    ).rows.map((r) => r.pid);
  const transactions = async () =>
    Number(
      (
        await owner.query<{ n: string }>(
          `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`,
          [database],
        )
      ).rows[0]?.n ?? 0,
    );
  const transactionsStart = await transactions();
  const before = await backends();
  const local = before.length > 0 && before.every(isPostgresHere);
  const pgStart = procCpuMs(before);
  const othersStart = procCpuMs(others);
  const cpuStart = process.cpuUsage();
  const elu: EventLoopUtilization = performance.eventLoopUtilization();
  const started = performance.now();
  return async () => {
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStart);
    const loop = performance.eventLoopUtilization(elu);
    // Backends opened during the stretch started from 0; those that closed lose their time.
    const after = await backends();
    const opened = after.filter((pid) => !before.includes(pid));
    const postgresMs = local ? procCpuMs(before) - pgStart + procCpuMs(opened) : null;
    return {
      wallMs,
      nodeMs: (cpu.user + cpu.system) / 1000,
      eventLoop: loop.utilization,
      postgresMs,
      othersMs: procCpuMs(others) - othersStart,
      transactions: (await transactions()) - transactionsStart,
    };
  };
}
