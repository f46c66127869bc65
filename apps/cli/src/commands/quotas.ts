import { Command, InvalidArgumentError } from 'commander';
import type { ProjectQuotaLimits } from '@refinery/core';
import { projectQuotaText } from '../format';
import { authedApi, print, type GlobalOpts } from './auth';

/** `--gpu default=1`: one pool's slots, repeatable; `none` lifts that pool's limit. */
function gpuSlot(value: string, previous: Record<string, number | null> = {}): Record<string, number | null> {
  const m = /^([a-z0-9-]+)=(\d+|none)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected <pool>=<slots> or <pool>=none, e.g. default=1, got "${value}"`);
  return { ...previous, [m[1]!]: m[2] === 'none' ? null : Number(m[2]) };
}

function maxRuns(value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a number of runs (0 pauses the project) or none, got "${value}"`);
  return Number(value);
}

/** `refinery quotas <project>` and `refinery quotas set <project> ...` (instance admins). */
export function quotasCommand(globals: () => GlobalOpts): Command {
  const quotas = new Command('quotas')
    .description("a project's limits on concurrent runs and GPU slots per pool, and the runs waiting under them")
    .argument('<project>', 'project id')
    .option('--json', "the API's JSON body")
    .action(async (project: string, o: { json?: boolean }) => {
      const q = await authedApi(globals).projectQuota(project);
      print(o.json || globals().json, q, () => projectQuotaText(q));
    });
  quotas
    .command('set')
    .description('change the limits (instance admins); options not given keep their value; waiting runs go ahead at once when a limit rises')
    .argument('<project>', 'project id')
    .option('--max-runs <n>', 'runs computing at once (0 pauses the project, none: no limit)', maxRuns)
    .option('--gpu <pool=slots>', 'GPU slots in a pool, repeatable (none: no limit there)', gpuSlot)
    .option('--json', "the API's JSON body")
    .action(async (project: string, o: { maxRuns?: number | null; gpu?: Record<string, number | null>; json?: boolean }) => {
      const api = authedApi(globals);
      const now = await api.projectQuota(project);
      const gpuSlots = Object.fromEntries(Object.entries({ ...now.gpuSlots, ...o.gpu }).filter((e): e is [string, number] => e[1] !== null));
      const limits: ProjectQuotaLimits = { maxConcurrentRuns: o.maxRuns !== undefined ? o.maxRuns : now.maxConcurrentRuns, gpuSlots };
      const q = await api.setProjectQuota(project, limits);
      print(o.json || globals().json, q, () => projectQuotaText(q));
    });
  return quotas;
}
