import { Command } from 'commander';
import { projectUsageTable } from '../format';
import { authedApi, print, type GlobalOpts } from './auth';

/** `refinery usage <project>`: CPU-hours, GPU-hours and cost per run and in total. */
export function usageCommand(globals: () => GlobalOpts): Command {
  return new Command('usage')
    .description("a project's CPU-hours, GPU-hours and cost per run and in total (stage attempts started in [--from, --to))")
    .argument('<project>', 'project id')
    .option('--from <date>', 'ISO 8601 date or instant, e.g. 2026-11-01')
    .option('--to <date>', 'ISO 8601 date or instant (exclusive)')
    .option('--json', "the API's JSON body")
    .action(async (project: string, o: { from?: string; to?: string; json?: boolean }) => {
      const usage = await authedApi(globals).projectUsage(project, o);
      print(o.json || globals().json, usage, () => projectUsageTable(usage));
    });
}
