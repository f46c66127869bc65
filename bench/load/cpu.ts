/**
 * Who used the CPU during a phase: the machine's busy time (/proc/stat) and each process group's
 * (a process and its descendants, /proc/<pid>/stat utime + stime), in cores (CPU-seconds per second).
 * The rest of the machine ("other") is anything else on the host, other people's jobs included.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((s, x) => s + x, 0);
  const idle = fields[3]! + fields[4]!; // idle + iowait
  return { busy: total - idle, total };
}

function processTable(): Map<number, { ppid: number; ticks: number }> {
  const table = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime + cutime + cstime: children that ended and were reaped (e.g. Postgres backends of closed connections) still count, in their parent.
      table.set(Number(name), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]) });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function treeTicks(table: Map<number, { ppid: number; ticks: number }>, roots: number[]): number {
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = roots.filter((r) => table.has(r));
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += table.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

/** Processes whose command line (arguments joined by spaces) matches `pattern`. */
export function pidsByCommandLine(pattern: RegExp): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' '))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export type CpuGroups = Record<string, { roots: number[]; tree: boolean }>;
export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  groups: Record<string, number>;
}

export function cpuSnapshot(groups: CpuGroups): CpuSnapshot {
  const table = processTable();
  const out: Record<string, number> = {};
  for (const [name, g] of Object.entries(groups)) out[name] = g.tree ? treeTicks(table, g.roots) : g.roots.reduce((s, r) => s + (table.get(r)?.ticks ?? 0), 0);
  return { at: performance.now(), machine: machineTicks(), groups: out };
}

/** Cores used by each group between two snapshots, the machine's busy cores, and the rest ("other"). */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, cores: number): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const busyShare = (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total);
  const out: Record<string, number> = { 'machine (all processes)': busyShare * cores };
  let known = 0;
  for (const name of Object.keys(b.groups)) {
    const c = (b.groups[name]! - (a.groups[name] ?? 0)) / TICKS_PER_S / seconds;
    out[name] = c;
    known += c;
  }
  out['other (the rest of the host)'] = Math.max(0, out['machine (all processes)']! - known);
  return out;
}
