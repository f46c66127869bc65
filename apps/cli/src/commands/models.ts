import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ollamaModelName, type ModelDetail, type ModelVersion, type PromoteReport } from '@refinery/core';
import { checkTarget, IntegrityError, saveVerifiedFile } from '../download';
import { chooseFormat, FORMAT_PREFERENCE, modelfile } from '../modelfile';
import { authedApi, type GlobalOpts, print } from './auth';

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
  const affectedAliases = m.affectedAliases ?? [];
  const aliases = Object.entries(m.aliases).map(([a, v]) => `${a} → v${v}${affectedAliases.includes(a) ? ' (AFFECTED by an erasure request)' : ''}`).join(', ') || 'no aliases';
  const versions = m.versions.map((v) => {
    const merged = v.record.evaluation?.variants.find((x) => x.variant === 'merged');
    const metrics = merged ? Object.entries(merged.metrics).filter(([k]) => !k.includes('.')).map(([k, x]) => `${k} ${x.toFixed(2)}`).join(', ') : 'not evaluated';
    const approvals = v.record.approval?.decisions.filter((d) => d.decision === 'approve').map((d) => d.actor).join(', ');
    return `  v${v.version}  ${v.createdAt.slice(0, 19)}  run ${v.runId}  ${metrics}${v.record.ggufs.length ? `  gguf: ${v.record.ggufs.map((g) => g.format).join(', ')}` : ''}${approvals ? `  approved by ${approvals}` : ''}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}${v.affected?.length ? `  AFFECTED: ${v.affected.map((a) => `${a.reference}${a.reason ? ` "${a.reason}"` : ''} by ${a.actor} at ${a.at.slice(0, 19)}`).join('; ')}` : ''}`;
  });
  const history = m.history.map((e) => `  ${e.at.slice(0, 19)}  ${e.alias}: ${e.action} ${e.fromVersion === null ? '' : `v${e.fromVersion} `}→ v${e.toVersion} by ${e.actor}`);
  const warning = affectedAliases.includes('production') ? ['WARNING: production points at a version affected by an erasure request (`refinery erasure impact` shows what)'] : [];
  return [`${m.project}/${m.name}: ${aliases}`, ...warning, 'versions:', ...versions, 'alias history:', ...(history.length ? history : ['  (none)'])].join('\n');
}

const versionNumber = (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('a version number, e.g. 3');
  return Number(v);
};

/**
 * The version a pull names: `--version N`, `<model>@<alias>`, or `<model>@v<N>` (an alias of that
 * exact name wins over the version number).
 */
export function pickVersion(m: ModelDetail, ref: { alias: string | null }, version?: number): ModelVersion {
  let n: number | undefined = version;
  if (n !== undefined && ref.alias) throw new InvalidArgumentError(`name the version once: ${m.name}@${ref.alias} or --version ${n}`);
  if (n === undefined && ref.alias) {
    n = m.aliases[ref.alias] ?? (/^v[1-9]\d*$/.test(ref.alias) ? Number(ref.alias.slice(1)) : undefined);
    if (n === undefined) throw new Error(`${m.name} has no alias ${ref.alias} (aliases: ${Object.keys(m.aliases).join(', ') || 'none'}); name an alias, v<N>, or --version N`);
  }
  if (n === undefined) throw new InvalidArgumentError(`name the version: ${m.name}@<alias> (e.g. ${m.name}@production), ${m.name}@v<N>, or --version N`);
  const v = m.versions.find((x) => x.version === n);
  if (!v) throw new Error(`${m.name} has no version ${n} (latest: ${m.latestVersion ?? 'none'})`);
  return v;
}

/** `refinery models ...`: the registry (list, get, promote, rollback, pull). */
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

  models
    .command('pull <model>')
    .description(
      "download a version's GGUF file (streamed, sha256-checked against the version's record) and write an Ollama Modelfile beside it " +
        "(FROM the file, TEMPLATE with the model's chat template in Ollama's syntax, stop parameters, SYSTEM when the template has a default), " +
        'so `ollama create <name> -f Modelfile` works offline. <model> is <model>@<alias> (e.g. support-router@production) or <model>@v<N>.',
    )
    .requiredOption('-p, --project <project>', 'the project')
    .option('--version <n>', 'the version (instead of @<alias>)', versionNumber)
    .option('--format <format>', `the GGUF format (default: the first present of ${FORMAT_PREFERENCE.join(', ')})`)
    .option('-o, --output <dir>', 'the directory to write into (default: ./<model>-v<N>)')
    .option('--force', 'replace the GGUF file and Modelfile if they exist')
    .action(async (refText: string, o: { project: string; version?: number; format?: string; output?: string; force?: boolean }) => {
      const ref = parseModelRef(refText);
      const m = await api().getModel(project(o), ref.name);
      const v = pickVersion(m, ref, o.version);
      const format = chooseFormat(v.record.ggufs.map((g) => g.format), o.format);
      const gguf = v.record.ggufs.find((g) => g.format === format)!;
      const dir = resolve(o.output ?? `${m.name}-v${v.version}`);
      const file = `model-${format}.gguf`;
      const ollamaName = ollamaModelName(m.name, v.version);
      await checkTarget(join(dir, 'Modelfile'), Boolean(o.force));
      // Presigned S3 URLs are not used: the file streams through the API, which checks access and audits the download.
      const res = await api().artifactContent(gguf.artifactId);
      const served = res.headers.get('x-content-sha256');
      if (served && served !== gguf.sha256) throw new IntegrityError(`the server names sha256 ${served} for ${file}, the version's record ${gguf.sha256}; nothing was written`);
      const saved = await saveVerifiedFile(res.body!, join(dir, file), gguf.sha256, { force: o.force });
      if (saved.bytes !== gguf.bytes) throw new IntegrityError(`${file}: ${saved.bytes} bytes, the version's record says ${gguf.bytes}`);
      const mf = modelfile({
        gguf: file,
        chatFormat: v.record.chatFormat,
        header: [`${m.project}/${m.name} v${v.version} (${format}, sha256 ${gguf.sha256}), from run ${v.runId}`, `ollama create ${ollamaName} -f Modelfile`],
      });
      await writeFile(join(dir, 'Modelfile'), mf.text, { mode: 0o644 });
      if (mf.warning) console.error(`warning: ${mf.warning}`);
      const result = { model: m.name, version: v.version, format, path: join(dir, file), sha256: saved.sha256, bytes: saved.bytes, modelfile: join(dir, 'Modelfile'), template: mf.template, warning: mf.warning };
      print(globals().json, result, () =>
        [
          `${m.name} v${v.version} (${format}): ${saved.bytes} bytes, sha256 ${saved.sha256} verified → ${result.path}`,
          `Modelfile → ${result.modelfile}${mf.template ? '' : ' (no TEMPLATE)'}`,
          `next: cd ${dir} && ollama create ${ollamaName} -f Modelfile && ollama run ${ollamaName}`,
        ].join('\n'),
      );
    });

  return models;
}
