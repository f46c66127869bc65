import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { STAGE_DEFINITIONS, STAGES, type StageName } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src';
import { stackEnv } from '../support/api';
import { datasetPiiValues, DEMO_RAW_DATASETS, describeFindings, scanLogForValues, type SensitiveValue } from '../support/log-scan';

/**
 * The logs of the whole integration run (vitest.config.ts sorts this file last): no line holds the
 * demo datasets' PII, a seeded password, an API token, a session or a stack secret; every line
 * the workers print is one JSON object with time, level, msg and process; and every stage that
 * completed logged lines carrying its runId, stage and attempt (and a trace id when tracing is on).
 */

const WORKER_LINE = /^\[(pipeline|gpu)[^\]]*\] (.*)$/;
const STAGE_OF_ACTIVITY = new Map<string, StageName>(STAGES.map((s) => [STAGE_DEFINITIONS[s].activity, s]));

/** Every secret the stack and the suite hold, named by what it is. */
function stackSecrets(): SensitiveValue[] {
  const env = stackEnv();
  const out: SensitiveValue[] = [];
  for (const a of inject('accounts')) out.push({ type: `password of the ${a.role} account`, value: a.password });
  for (const [role, token] of Object.entries(inject('tokens'))) out.push({ type: `API token (${role})`, value: token });
  for (const [role, cookie] of Object.entries(inject('sessions'))) {
    for (const pair of cookie.split(';')) {
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value.length >= 16) out.push({ type: `session cookie (${role})`, value: decodeURIComponent(value) }, { type: `session cookie (${role})`, value });
    }
  }
  for (const key of ['REFINERY_AUTH_SECRET', 'REFINERY_METRICS_TOKEN', 'REFINERY_OIDC_CLIENT_SECRET', 'REFINERY_OPENLINEAGE_API_KEY']) {
    if (env[key]) out.push({ type: key, value: env[key]! });
  }
  for (const entry of (env.REFINERY_PAYLOAD_KEYS ?? '').split(',')) {
    const key = entry.slice(entry.indexOf(':') + 1).trim();
    if (key) out.push({ type: 'REFINERY_PAYLOAD_KEYS key', value: key });
  }
  // The PEM's base64 lines: any of them in a log means the key leaked.
  for (const line of (env.REFINERY_AUDIT_SIGNING_KEY ?? '').split('\n')) {
    if (/^[A-Za-z0-9+/=]{20,}$/.test(line.trim())) out.push({ type: 'REFINERY_AUDIT_SIGNING_KEY', value: line.trim() });
  }
  const dbPassword = env.DATABASE_URL ? decodeURIComponent(new URL(env.DATABASE_URL).password) : '';
  if (dbPassword.length >= 8) out.push({ type: 'DATABASE_URL password', value: dbPassword });
  return out;
}

/** The stack log, plus the logs of the extra GPU workers tests started during this run. */
function runLogs(): { file: string; text: string }[] {
  const stackLog = inject('stackLogFile');
  const logs = [{ file: stackLog, text: readFileSync(stackLog, 'utf8') }];
  const startedMarker = join(REPO_ROOT, '.data', 'test-stack', 'auth-secret');
  const since = existsSync(startedMarker) ? statSync(startedMarker).mtimeMs : Infinity;
  for (const name of readdirSync(join(REPO_ROOT, '.data')).filter((n) => /^test-gpu-.*\.log$/.test(n))) {
    const file = join(REPO_ROOT, '.data', name);
    if (statSync(file).mtimeMs >= since) logs.push({ file, text: readFileSync(file, 'utf8').replace(/^(?=.)/gm, '[gpu] ') });
  }
  return logs;
}

describe('process logs of the integration run', () => {
  const logs = runLogs();
  const values = [...datasetPiiValues(DEMO_RAW_DATASETS), ...stackSecrets()];
  /** The start of a line for a failure message, unless the line holds a sensitive value. */
  const preview = (line: string) => (scanLogForValues(line, values).length ? '(holds a sensitive value)' : JSON.stringify(line.slice(0, 100)));

  it('hold none of the demo datasets PII values, passwords, tokens, sessions or stack secrets', () => {
    expect(values.length).toBeGreaterThan(500);
    const problems = logs.map(({ file, text }) => ({ file, findings: scanLogForValues(text, values) })).filter((l) => l.findings.length > 0);
    expect(problems.map((p) => describeFindings(p.findings, p.file)), 'values are named by type and line, never printed').toEqual([]);
  });

  it('are one JSON object per worker line; lines of stage activities carry runId, stage and attempt, for every stage that ran', async () => {
    const invalid: string[] = [];
    const unattributed: string[] = [];
    const seen = new Map<StageName, { lines: number; traced: number }>();
    let workerLines = 0;
    for (const { file, text } of logs) {
      text.split('\n').forEach((raw, i) => {
        const m = WORKER_LINE.exec(raw);
        if (!m || /^exited \(\w+\)$/.test(m[2]!)) return; // the launcher's own note when a process ends
        workerLines++;
        const where = `${file}:${i + 1}`;
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(m[2]!) as Record<string, unknown>;
        } catch {
          invalid.push(`${where}: not JSON: ${preview(raw)}`);
          return;
        }
        const missing = ['time', 'level', 'msg', 'process'].filter((k) => typeof line[k] !== 'string');
        if (missing.length || !['pipeline-worker', 'gpu-worker'].includes(line.process as string)) {
          invalid.push(`${where}: missing ${missing.join(', ') || `a worker's process name (got ${String(line.process)})`}`);
          return;
        }
        const stage = STAGE_OF_ACTIVITY.get(line.activityType as string);
        if (!stage) return;
        if (typeof line.runId !== 'string' || !line.runId.startsWith('run_') || line.stage !== stage || typeof line.attempt !== 'number' || line.attempt < 1) {
          unattributed.push(`${where}: ${line.activityType} line without runId/stage/attempt`);
          return;
        }
        const s = seen.get(stage) ?? { lines: 0, traced: 0 };
        s.lines++;
        if (typeof line.traceId === 'string' && /^[0-9a-f]{32}$/.test(line.traceId)) s.traced++;
        seen.set(stage, s);
      });
    }
    expect(workerLines).toBeGreaterThan(0);
    expect(invalid.slice(0, 20), `${invalid.length} worker line(s) are not the JSON log format`).toEqual([]);
    expect(unattributed.slice(0, 20)).toEqual([]);

    // Every stage this stack completed (its database is fresh per run) logged attributed lines.
    const db = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
    await db.connect();
    const ran = await db.query<{ stage: StageName }>("select distinct stage from stage_executions where status = 'succeeded'").finally(() => db.end());
    const stagesRan = ran.rows.map((r) => r.stage).sort();
    expect(stagesRan.length).toBeGreaterThan(0);
    expect(stagesRan.filter((s) => !seen.has(s)), 'stages that succeeded but logged no line with runId, stage and attempt').toEqual([]);
    if (stackEnv().OTEL_EXPORTER_OTLP_ENDPOINT) {
      expect(stagesRan.filter((s) => !seen.get(s)?.traced), 'stages without a traced line while tracing is on').toEqual([]);
    }
  });
});
