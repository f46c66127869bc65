import { z } from 'zod';

/**
 * Cost accounting: what each stage attempt used (measured by the worker that ran it) and what it
 * cost at the prices in effect when it was recorded. Browser-safe: the dashboard uses the same
 * arithmetic. docs/operations.md, Cost accounting.
 */

/** The price row that applies to every task queue without one of its own. */
export const DEFAULT_PRICE_QUEUE = '*';

/** How an attempt's CPU-seconds were measured. */
export const CPU_MEASURES = {
  'trainer-rusage': "the trainer process's own getrusage (user + system, its waited-for children included), reported at exit: exact",
  'worker-share': "the worker process's CPU time during the attempt, split equally between the stage attempts running in it at the same time: an approximation",
} as const;
export type CpuMeasure = keyof typeof CPU_MEASURES;

export const StageUsageSchema = z.object({
  queue: z.string().nullable().describe('task queue the attempt ran on: refinery-pipeline or refinery-gpu-<pool>'),
  wallSeconds: z.number().nullable().describe("the attempt's wall time on its worker"),
  cpuSeconds: z.number().nullable().describe('CPU-seconds (null: not measured, e.g. the worker or trainer was killed)'),
  cpuMeasure: z.enum(Object.keys(CPU_MEASURES) as [CpuMeasure, ...CpuMeasure[]]).nullable(),
  gpus: z.number().int().nullable().describe('GPUs the attempt held: 1 on a GPU host (one job per GPU), 0 on a CPU-only host and for pipeline stages'),
  gpuSeconds: z.number().nullable().describe('wall time × GPUs held'),
  gpuHourPrice: z.number().nullable().describe("the queue's price per GPU-hour when the attempt was recorded"),
  cpuHourPrice: z.number().nullable().describe("the queue's price per CPU-hour when the attempt was recorded"),
  cost: z.number().nullable().describe('gpuSeconds/3600 × gpuHourPrice + cpuSeconds/3600 × cpuHourPrice (null: no usage recorded)'),
});
export type StageUsage = z.infer<typeof StageUsageSchema>;

export const UsageTotalsSchema = z.object({
  cpuSeconds: z.number(),
  gpuSeconds: z.number(),
  cost: z.number(),
  attempts: z.number().int().describe('stage attempts counted'),
  unmeasuredAttempts: z.number().int().describe('attempts with no (or partial) usage recorded: their worker or trainer died before reporting; the sums leave out what they did not report'),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

export const RunUsageRowSchema = UsageTotalsSchema.extend({
  runId: z.string(),
  name: z.string(),
  status: z.string(),
  createdAt: z.string(),
});
export const ProjectUsageSchema = z.object({
  project: z.string(),
  from: z.string().nullable().describe('attempts started at or after this instant (ISO 8601); null: no lower bound'),
  to: z.string().nullable().describe('attempts started before this instant; null: no upper bound'),
  runs: z.array(RunUsageRowSchema),
  totals: UsageTotalsSchema,
});
export type ProjectUsage = z.infer<typeof ProjectUsageSchema>;

export const UsagePriceSchema = z.object({
  queue: z.string(),
  gpuHourPrice: z.number(),
  cpuHourPrice: z.number(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string(),
});
export type UsagePrice = z.infer<typeof UsagePriceSchema>;
export const UsagePriceListSchema = z.object({ prices: z.array(UsagePriceSchema) });

const price = z.number().finite().min(0).max(1_000_000);
export const SetUsagePriceSchema = z.object({ gpuHourPrice: price, cpuHourPrice: price }).strict();

/** `*` or a task queue name (`refinery-pipeline`, `refinery-gpu-<pool>`). */
export const PRICE_QUEUE_PATTERN = /^(\*|refinery-pipeline|refinery-gpu-[a-z0-9-]+)$/;

/** The usage columns of one attempt row, as stored. */
export interface AttemptUsageColumns {
  usageQueue: string | null;
  wallSeconds: number | null;
  cpuSeconds: number | null;
  cpuMeasure: string | null;
  gpus: number | null;
  gpuSeconds: number | null;
  gpuHourPrice: number | null;
  cpuHourPrice: number | null;
}

/** GPU-seconds of an attempt: its wall time × the GPUs it held (0 on a CPU-only host). */
export function gpuSecondsOf(wallSeconds: number, gpus: number): number {
  return wallSeconds * gpus;
}

/** Cost of an attempt at its recorded prices; a part not measured counts 0. Null when nothing was recorded. */
export function attemptCost(u: Pick<AttemptUsageColumns, 'cpuSeconds' | 'gpuSeconds' | 'gpuHourPrice' | 'cpuHourPrice'>): number | null {
  if (u.gpuHourPrice == null || u.cpuHourPrice == null) return null;
  return ((u.gpuSeconds ?? 0) / 3600) * u.gpuHourPrice + ((u.cpuSeconds ?? 0) / 3600) * u.cpuHourPrice;
}

/** An attempt row's usage for the API. Null when the attempt has no usage recorded at all. */
export function stageUsageOf(u: AttemptUsageColumns): StageUsage | null {
  if (u.wallSeconds == null) return null;
  return {
    queue: u.usageQueue,
    wallSeconds: u.wallSeconds,
    cpuSeconds: u.cpuSeconds,
    cpuMeasure: u.cpuMeasure && u.cpuMeasure in CPU_MEASURES ? (u.cpuMeasure as CpuMeasure) : null,
    gpus: u.gpus,
    gpuSeconds: u.gpuSeconds,
    gpuHourPrice: u.gpuHourPrice,
    cpuHourPrice: u.cpuHourPrice,
    cost: attemptCost(u),
  };
}

/**
 * Sums attempts' usage. An attempt still running with nothing recorded yet is left out; a finished
 * one counts as unmeasured when its usage is missing (its worker died before recording) or partial
 * (CPU or GPU-seconds null: e.g. a trainer killed with SIGKILL).
 */
export function sumUsage(attempts: readonly { status: string; usage: StageUsage | null }[]): UsageTotals {
  const totals: UsageTotals = { cpuSeconds: 0, gpuSeconds: 0, cost: 0, attempts: 0, unmeasuredAttempts: 0 };
  for (const { status, usage: u } of attempts) {
    if (!u && status === 'running') continue;
    totals.attempts += 1;
    if (!u || u.cpuSeconds == null || u.gpuSeconds == null) totals.unmeasuredAttempts += 1;
    if (!u) continue;
    totals.cpuSeconds += u.cpuSeconds ?? 0;
    totals.gpuSeconds += u.gpuSeconds ?? 0;
    totals.cost += u.cost ?? 0;
  }
  return totals;
}

/** Adds totals (a project's from its runs'). */
export function addTotals(parts: readonly UsageTotals[]): UsageTotals {
  return parts.reduce(
    (a, b) => ({
      cpuSeconds: a.cpuSeconds + b.cpuSeconds,
      gpuSeconds: a.gpuSeconds + b.gpuSeconds,
      cost: a.cost + b.cost,
      attempts: a.attempts + b.attempts,
      unmeasuredAttempts: a.unmeasuredAttempts + b.unmeasuredAttempts,
    }),
    { cpuSeconds: 0, gpuSeconds: 0, cost: 0, attempts: 0, unmeasuredAttempts: 0 },
  );
}

/** Seconds as hours for display: "0.0123 h". */
export function formatHours(seconds: number): string {
  return `${(seconds / 3600).toFixed(seconds >= 36 ? 2 : 4)} h`;
}

/** A cost for display, 4 decimals below 1 (small CPU runs cost fractions of a cent). */
export function formatCost(cost: number): string {
  return cost >= 1 ? cost.toFixed(2) : cost.toFixed(4);
}
