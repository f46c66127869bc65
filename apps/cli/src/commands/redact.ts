import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { zodIssues, DATASET_FORMATS, type DatasetFormat } from '@refinery/core';
import {
  createJsonlRedactor,
  ENTITY_TYPES,
  REDACTION_ACTIONS,
  RedactionPolicySchema,
  splitLines,
  verifyJsonl,
  type RedactionPolicy,
} from '@refinery/redaction';

interface RedactOpts {
  in: string;
  out: string;
  report: string;
  format: DatasetFormat;
  entities?: string[];
  action?: string;
  policy?: string;
  keyFile?: string;
}

/**
 * `refinery redact`: the redaction stage on local files, with no server — so a data steward
 * can try a policy on a sample. Exits 1 when verification finds residuals, 2 on bad input.
 */
export function redactCommand(globals: () => { json?: boolean }): Command {
  return new Command('redact')
    .description('redact PII and secrets from a JSONL dataset offline, then verify the output')
    .requiredOption('--in <file>', 'input JSONL')
    .requiredOption('--out <file>', 'redacted JSONL to write')
    .requiredOption('--report <file>', 'redaction report (JSON) to write')
    .addOption(new Option('--format <format>', 'record format').choices([...DATASET_FORMATS]).default('chat'))
    .option('--entities <types...>', `entity types to redact (default: all of ${ENTITY_TYPES.join(', ')})`)
    .addOption(new Option('--action <action>', 'action for every entity').choices([...REDACTION_ACTIONS]))
    .option('--policy <file>', 'policy YAML/JSON (the RunSpec "redaction" section); flags override it')
    .option('--key-file <file>', 'secret for pseudonyms and hashes (without it a random one is used, so pseudonyms differ between invocations)')
    .action(async (o: RedactOpts) => {
      const policy = await loadPolicy(o);
      const projectKey = o.keyFile ? (await readFile(o.keyFile, 'utf8')).trim() : randomBytes(32).toString('hex');
      if (!existsSync(o.in)) throw new UsageError(`--in ${o.in}: no such file`);
      const started = Date.now();
      const redactor = createJsonlRedactor({ policy, format: o.format, projectKey });
      const tmp = `${o.out}.part`;
      const out = createWriteStream(tmp);
      let lines = 0;
      const progress = setInterval(() => !globals().json && process.stderr.write(`\rredacting: ${lines} lines`), 1000);
      try {
        for await (const line of redactor.redact(splitLines(createReadStream(o.in)))) {
          lines += 1;
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        }
        await new Promise((r) => out.end(r));
        await rename(tmp, o.out);
      } catch (err) {
        await new Promise((r) => out.end(r));
        await rm(tmp, { force: true });
        throw new UsageError(`${o.in}: ${(err as Error).message}`);
      } finally {
        clearInterval(progress);
      }
      const verification = await verifyJsonl(splitLines(createReadStream(o.out)), { policy, format: o.format, projectKey, entities: [...ENTITY_TYPES], maxResiduals: 100 });
      const report = { ...redactor.report(), verification };
      await writeFile(o.report, `${JSON.stringify(report, null, 2)}\n`);
      const seconds = (Date.now() - started) / 1000;
      if (globals().json) console.log(JSON.stringify({ out: o.out, report: o.report, records: report.records, totalsByType: report.totalsByType, verification: { clean: verification.clean, residualCount: verification.residualCount, residualsByType: verification.residualsByType } }));
      else {
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        console.log(`redacted ${report.records.read} records in ${seconds.toFixed(1)}s: ${report.records.changed} changed, ${report.records.dropped} dropped`);
        for (const [type, n] of Object.entries(report.totalsByType).sort()) console.log(`  ${type.padEnd(16)} ${n}`);
        console.log(verification.clean ? 'verification: clean (0 residuals)' : `verification FAILED: ${verification.residualCount} residual(s) ${JSON.stringify(verification.residualsByType)}`);
        for (const r of verification.residuals.slice(0, 20)) console.log(`  line ${r.line}  ${r.field}: ${r.type}`);
        console.log(`wrote ${o.out} and ${o.report}`);
      }
      if (!verification.clean) process.exitCode = 1;
    });
}

export class UsageError extends Error {}

async function loadPolicy(o: RedactOpts): Promise<RedactionPolicy> {
  let base: Record<string, unknown> = {};
  if (o.policy) {
    try {
      base = (parseYaml(await readFile(o.policy, 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--policy ${o.policy}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const merged = { ...base, ...(o.entities ? { entities: o.entities } : {}), ...(o.action ? { action: o.action } : {}) };
  const parsed = RedactionPolicySchema.safeParse(merged);
  if (!parsed.success) {
    throw new UsageError(`invalid policy${o.policy ? ` in ${o.policy}` : ''}:${zodIssues(parsed.error).map((i) => `\n  - ${i.path}: ${i.message}`).join('')}`);
  }
  return parsed.data;
}
