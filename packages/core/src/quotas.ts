import { z } from 'zod';

/**
 * Fair queuing and quotas (docs/architecture.md, Fair queuing and quotas). Each project has one
 * long-lived Temporal workflow, `projectQuota`, acting as a durable semaphore over its resources:
 * `runs` (runs computing at once) and `gpu:<pool>` (GPU stage slots in a pool). A run asks it for
 * a slot, waits `queued` until granted, and gives the slot back when done. Higher `priority`
 * first, then first come first served. Workflow-safe: no Node built-ins.
 */

export const QUOTA_WORKFLOW_TYPE = 'projectQuota';
export const quotaWorkflowId = (project: string): string => `quota-${project}`;

/** Signals: to the project's semaphore (`acquire`, `release`, `limitsChanged`) and back to a run (`slotGranted`, `slotQueued`). */
export const QUOTA_MESSAGES = {
  acquire: 'quotaAcquire',
  release: 'quotaRelease',
  limitsChanged: 'quotaLimitsChanged',
  slotGranted: 'quotaSlotGranted',
  slotQueued: 'quotaSlotQueued',
} as const;

export const DEFAULT_RUN_PRIORITY = 50;

export type QuotaResource = 'runs' | `gpu:${string}`;
export const RUNS_RESOURCE: QuotaResource = 'runs';
export const gpuResource = (pool: string): QuotaResource => `gpu:${pool}`;

const pool = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'a GPU pool name: lowercase letters, digits and dashes (e.g. "default")');
const slots = z.number().int().min(0).max(10_000);

/** A project's limits. null / a pool not listed: no limit. 0 holds every new run back (a paused project). */
export const ProjectQuotaLimitsSchema = z
  .object({
    maxConcurrentRuns: slots.nullable().describe('runs of the project computing at once (from the first stage until the last compute stage; a run waiting for approval holds no slot); null: no limit'),
    gpuSlots: z.record(pool, slots).describe('per GPU pool: runs of the project on the pool at once (from train until evaluate); a pool not listed has no limit'),
  })
  .strict();
export type ProjectQuotaLimits = z.infer<typeof ProjectQuotaLimitsSchema>;
export const UNLIMITED: ProjectQuotaLimits = { maxConcurrentRuns: null, gpuSlots: {} };

export const ProjectQuotaSchema = ProjectQuotaLimitsSchema.extend({
  project: z.string(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
  queue: z.array(z.object({ runId: z.string(), resource: z.string(), position: z.number().int(), priority: z.number().int(), reason: z.string(), queuedAt: z.string() })).describe('runs waiting now, in the order they will be let through (per resource)'),
});
export type ProjectQuota = z.infer<typeof ProjectQuotaSchema>;

/** Where a waiting run stands: shown on the run list, the run page and by the CLI. */
export const RunQueueSchema = z.object({
  resource: z.string().describe('what it waits for: runs, or gpu:<pool>'),
  position: z.number().int().describe('1: next to be let through'),
  reason: z.string(),
  since: z.string(),
});
export type RunQueue = z.infer<typeof RunQueueSchema>;

/** The GPU pool of a `gpu:<pool>` resource; null for `runs`. */
export const poolOf = (resource: string): string | null => (resource === RUNS_RESOURCE ? null : resource.slice('gpu:'.length));

/** What a run waits for, as the dashboard and CLI name it: "a run slot", "a GPU slot in pool a100". */
export const slotName = (resource: string): string => (resource === RUNS_RESOURCE ? 'a run slot' : `a GPU slot in pool ${poolOf(resource)}`);

export const limitOf = (limits: ProjectQuotaLimits, resource: QuotaResource): number | null =>
  resource === RUNS_RESOURCE ? limits.maxConcurrentRuns : (limits.gpuSlots[poolOf(resource)!] ?? null);

/** Why a run waits, in words a user acts on. */
export function queueReason(project: string, resource: QuotaResource, limit: number): string {
  const who = `project ${project}`;
  if (resource === RUNS_RESOURCE) {
    return limit === 0 ? `${who} is paused: its limit of concurrent runs is 0` : `${who} is at its limit of ${limit} concurrent run${limit === 1 ? '' : 's'}`;
  }
  const p = poolOf(resource);
  return limit === 0 ? `${who} may not use GPU pool ${p} (its limit there is 0)` : `${who} is using all ${limit} of its GPU slot${limit === 1 ? '' : 's'} in pool ${p}`;
}

export interface SlotRequest {
  runId: string;
  resource: QuotaResource;
  priority: number;
  /** Arrival order at the semaphore: first come first served within a priority. */
  seq: number;
  queuedAt: string;
}

export interface SemaphoreState {
  holders: Partial<Record<QuotaResource, string[]>>;
  waiting: SlotRequest[];
  nextSeq: number;
}

/** Waiters in the order they will be let through: higher priority first, then earlier. */
export const queueOrder = (a: SlotRequest, b: SlotRequest): number => b.priority - a.priority || a.seq - b.seq;

/**
 * The requests that may go ahead now under `limits`, removed from `state.waiting` and added to
 * its holders. Pure: the semaphore workflow calls it after every change.
 */
export function grantWaiting(state: SemaphoreState, limits: ProjectQuotaLimits): SlotRequest[] {
  const granted: SlotRequest[] = [];
  state.waiting.sort(queueOrder);
  state.waiting = state.waiting.filter((req) => {
    const held = (state.holders[req.resource] ??= []);
    const limit = limitOf(limits, req.resource);
    if (limit !== null && held.length >= limit) return true;
    held.push(req.runId);
    granted.push(req);
    return false;
  });
  return granted;
}

/** Each waiter's 1-based place in the line for its resource. */
export function queuePositions(state: SemaphoreState): Map<SlotRequest, number> {
  const next = new Map<QuotaResource, number>();
  const out = new Map<SlotRequest, number>();
  for (const req of [...state.waiting].sort(queueOrder)) {
    const n = (next.get(req.resource) ?? 0) + 1;
    next.set(req.resource, n);
    out.set(req, n);
  }
  return out;
}
