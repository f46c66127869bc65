import { Command, InvalidArgumentError } from 'commander';
import type { ModelDetail, PromoteReport } from '@refinery/core';
import { authedApi } from './auth';

interface GlobalOpts {
  apiUrl: string;
  json?: boolean;
}

const print = (json: boolean | undefined, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

/** "support-router@production" → name and alias (the alias is required where a command moves one). */
export function parseModelRef(ref: string): { name: string; alias: string | null } {
  const m = /^([a-z0-9][a-z0-9-]*)(?:@([a-z0-9][a-z0-9-]*))?$/.exec(ref);
  if (!m) throw new InvalidArgumentError(`expected <model> or <model>@<alias>, e.g. support-router@production (got ${JSON.stringify(ref)})`);
  return { name: m[1]!, alias: m[2] ?? null };
}

const needAlias = (ref: string) => {
  const parsed = parseModelRef(ref);
  if (!parsed.alias) throw new InvalidArgumentError(`name the alias: ${parsed.name}@<alias>, e.g. ${parsed.name}@production`);
  return parsed as { name: string; alias: string };
};

const moved = (r: PromoteReport) => `${r.model}@${r.alias} ${r.moved ? `→ version ${r.version}${r.previousVersion === null ? '' : ` (was ${r.previousVersion})`}` : `already at version ${r.version}; nothing moved`}`;

function modelText(m: ModelDetail): string {
  const aliases = Object.entries(m.aliases).map(([a, v]) => `${a} → v${v}`).join(', ') || 'no aliases';
  const versions = m.versions.map((v) => {
    const merged = v.record.evaluation?.variants.find((x) => x.variant === 'merged');
    const metrics = merged ? Object.entries(merged.metrics).filter(([k]) => !k.includes('.')).map(([k, x]) => `${k} ${x.toFixed(2)}`).join(', ') : 'not evaluated';
    const approvals = v.record.approval?.decisions.filter((d) => d.decision === 'approve').map((d) => d.actor).join(', ');
    return `  v${v.version}  ${v.createdAt.slice(0, 19)}  run ${v.runId}  ${metrics}${v.record.ggufs.length ? `  gguf: ${v.record.ggufs.map((g) => g.format).join(', ')}` : ''}${approvals ? `  approved by ${approvals}` : ''}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}`;
  });
  const history = m.history.map((e) => `  ${e.at.slice(0, 19)}  ${e.alias}: ${e.action} ${e.fromVersion === null ? '' : `v${e.fromVersion} `}→ v${e.toVersion} by ${e.actor}`);
  return [`${m.project}/${m.name}: ${aliases}`, 'versions:', ...versions, 'alias history:', ...(history.length ? history : ['  (none)'])].join('\n');
}

/** `refinery models ...`: the registry (list, get, promote, rollback). */
export function modelsCommand(globals: () => GlobalOpts): Command {
  const models = new Command('models').description('the model registry: versions of each model and the aliases (staging, production, ...) pointing at them');
  const api = () => authedApi(globals);
  const project = (o: { project: string }) => o.project;

  models
    .command('list')
    .description("a project's models with their latest version and aliases")
    .requiredOption('-p, --project <project>', 'the project')
    .action(async (o: { project: string }) => {
      const { models: list } = await api().listModels(project(o));
      print(globals().json, list, () => (list.length ? list.map((m) => `${m.name}  latest v${m.latestVersion ?? '-'}  ${Object.entries(m.aliases).map(([a, v]) => `${a}→v${v}`).join(' ')}`).join('\n') : `no models in ${o.project} yet`));
    });

  models
    .command('get <model>')
    .description("a model's versions (metrics, GGUF files, approvals) and alias history")
    .requiredOption('-p, --project <project>', 'the project')
    .action(async (ref: string, o: { project: string }) => {
      const m = await api().getModel(project(o), parseModelRef(ref).name);
      print(globals().json, m, () => modelText(m));
    });

  models
    .command('promote <model@alias>')
    .description('move the alias to a version (atomic and audited; moving it where it already is changes nothing)')
    .requiredOption('-p, --project <project>', 'the project')
    .requiredOption('-v, --version <n>', 'the version to point the alias at', (v) => {
      if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('a version number, e.g. 3');
      return Number(v);
    })
    .action(async (ref: string, o: { project: string; version: number }) => {
      const { name, alias } = needAlias(ref);
      const { report } = await api().promoteModel(project(o), name, alias, o.version);
      print(globals().json, report, () => moved(report));
    });

  models
    .command('rollback <model@alias>')
    .description('move the alias back to the version it held before its current one was promoted')
    .requiredOption('-p, --project <project>', 'the project')
    .action(async (ref: string, o: { project: string }) => {
      const { name, alias } = needAlias(ref);
      const { report } = await api().rollbackModel(project(o), name, alias);
      print(globals().json, report, () => moved(report));
    });

  return models;
}
