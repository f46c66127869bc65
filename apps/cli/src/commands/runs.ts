import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parseStageReport } from '@refinery/core';
import { runDetail, runsTable } from '../format';
import { authedApi, type GlobalOpts, print } from './auth';
import { followRun } from './follow';

/** `refinery runs ...`: submit, list, get, cancel, approve, reject. */
export function runsCommand(globals: () => GlobalOpts): Command {
  const runs = new Command('runs').description('submit and inspect fine-tuning runs');
  const api = () => authedApi(globals);

  runs
    .command('submit <spec>')
    .description('submit a RunSpec (YAML or JSON file, or - for stdin)')
    .option('-f, --follow', 'stream stage progress until the run ends; exit non-zero unless it succeeds')
    .option('--idempotency-key <key>', 'retry-safe key: the same key returns the same run')
    .action(async (specPath: string, o: { follow?: boolean; idempotencyKey?: string }) => {
      const { json } = globals();
      const text = specPath === '-' ? await readStdin() : await readFile(specPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${specPath}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      });
      const run = await api().submitRun(text, { idempotencyKey: o.idempotencyKey });
      if (!o.follow) return print(json, run, () => `submitted ${run.id} (${run.status})`);
      console.log(json ? JSON.stringify({ event: 'submitted', id: run.id, status: run.status }) : `submitted ${run.id}`);
      const final = await followRun(api(), run.id, { json: Boolean(json) });
      if (final.status !== 'succeeded') process.exitCode = 1;
    });

  runs
    .command('list')
    .description('list runs, newest first')
    .option('-p, --project <project>', 'only this project')
    .option('-s, --status <status>', 'only runs in this status')
    .option('-n, --limit <n>', 'page size', (v) => Number(v), 20)
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (o: { project?: string; status?: string; limit: number; cursor?: string }) => {
      const page = await api().listRuns(o);
      print(globals().json, page, () => `${runsTable(page.runs)}${page.nextCursor ? `\n\nmore: --cursor ${page.nextCursor}` : ''}`);
    });

  runs
    .command('get <id>')
    .description('show a run: status, stages, errors, artifacts')
    .option('-f, --follow', 'keep printing progress until the run ends')
    .action(async (id: string, o: { follow?: boolean }) => {
      const { json } = globals();
      if (o.follow) {
        const final = await followRun(api(), id, { json: Boolean(json) });
        if (final.status !== 'succeeded') process.exitCode = 1;
        return;
      }
      const run = await api().getRun(id);
      print(json, run, () => runDetail(run));
    });

  runs
    .command('cancel <id>')
    .description('cancel a run (stops its running stage)')
    .action(async (id: string) => {
      const run = await api().cancelRun(id);
      print(globals().json, run, () => `cancellation requested for ${id} (now ${run.status})`);
    });

  for (const decision of ['approve', 'reject'] as const) {
    runs
      .command(`${decision} <id>`)
      .description(`${decision} a run awaiting approval (you must be a reviewer of its project and not its submitter)`)
      .requiredOption('-m, --message <comment>', 'why: recorded with your decision')
      .action(async (id: string, o: { message: string }) => {
        // Decide on the evidence as it is now, and say which (its hash is recorded with the decision).
        const before = await api().getRun(id);
        const approval = parseStageReport('approval', before.stages.filter((s) => s.stage === 'approval').at(-1)?.metrics).report;
        const { run } = await api().decideRun(id, { decision, comment: o.message, ...(approval ? { evidenceSha256: approval.evidenceSha256 } : {}) });
        print(globals().json, run, () => `${decision === 'approve' ? 'approved' : 'rejected'} ${id} on evidence ${approval?.evidenceSha256.slice(0, 12) ?? '-'} (now ${run.status})`);
      });
  }

  return runs;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
