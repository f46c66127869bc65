import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { freePort, REPO_ROOT, waitFor } from '../../infra/src';
import { createS3Client } from '@refinery/storage';

/** What the fault matrix shares: generated datasets, a restartable S3 server, and the checks on Postgres rows. */

/**
 * A chat dataset of about `megabytes` MB: the demo's support tickets over and over, each copy's
 * user turn tagged with `salt` and its number so every record (and so every dataset) is distinct.
 */
export async function writeTicketDataset(path: string, megabytes: number, salt: string): Promise<{ bytes: number; records: number }> {
  const demo = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').split('\n').filter(Boolean);
  const out = createWriteStream(path);
  let bytes = 0;
  let records = 0;
  while (bytes < megabytes * 1024 * 1024) {
    const record = JSON.parse(demo[records % demo.length]!) as { messages: { role: string; content: string }[] };
    const user = record.messages.find((m) => m.role === 'user')!;
    user.content = `${user.content}\nReference ${salt}-${records}.`;
    const line = `${JSON.stringify(record)}\n`;
    bytes += Buffer.byteLength(line);
    records += 1;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes, records };
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const S3_CREDENTIALS = { accessKeyId: 'refinery-faults', secretAccessKey: 'refinery-faults-secret' };
export const S3_BUCKET = 'refinery';

/**
 * versitygw (a real S3-compatible server, built by the bootstrap) on a fixed loopback port with
 * its data on disk, so `stop()` then `start()` is an outage of the object store, not a new one.
 */
export async function s3Server(versitygw: string, root: string) {
  for (const d of ['sidecar', 'data']) mkdirSync(join(root, d), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({ endpoint, credentials: S3_CREDENTIALS });
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(versitygw, ['--access', S3_CREDENTIALS.accessKeyId, '--secret', S3_CREDENTIALS.secretAccessKey, '--port', `127.0.0.1:${port}`, 'posix', '--sidecar', join(root, 'sidecar'), join(root, 'data')], { stdio: 'ignore' });
    await waitFor('versitygw to answer', async () => {
      await client.send(new HeadBucketCommand({ Bucket: S3_BUCKET })).catch(async (err: { $metadata?: { httpStatusCode?: number } }) => {
        if (err.$metadata?.httpStatusCode !== 404) throw err;
        await client.send(new CreateBucketCommand({ Bucket: S3_BUCKET }));
      });
      return true;
    }, 20_000);
  };
  /** SIGKILL: the server is gone at once, in the middle of whatever it was doing. */
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  };
  /** Multipart uploads with parts on the server now, by upload id (versitygw's posix layout: <bucket>/.sgwtmp/multipart/<object>/<upload id>/<part>). */
  const uploadsWithParts = (): string[] => {
    const dir = join(root, 'data', S3_BUCKET, '.sgwtmp', 'multipart');
    if (!existsSync(dir)) return [];
    try {
      return readdirSync(dir).flatMap((object) => readdirSync(join(dir, object)).filter((upload) => readdirSync(join(dir, object, upload)).length > 0));
    } catch {
      return []; // a directory removed between two reads: that upload just finished
    }
  };
  return { endpoint, client, start, stop, uploadsWithParts };
}

export interface StageRow {
  stage: string;
  attempt: number;
  status: string;
  error: string | null;
}

/** The run's rows as the checks need them: its stage attempts, artifacts by kind, and lineage edges that occur twice. */
export async function runRows(pool: pg.Pool, runId: string) {
  const run = (await pool.query<{ status: string; error: string | null }>('SELECT status, error FROM runs WHERE id = $1', [runId])).rows[0];
  const stages = (await pool.query<StageRow>('SELECT stage, attempt, status, error FROM stage_executions WHERE run_id = $1 ORDER BY id', [runId])).rows;
  const artifacts = (await pool.query<{ kind: string; sha256: string; bytes: string }>('SELECT kind, sha256, bytes FROM artifacts WHERE run_id = $1 ORDER BY kind', [runId])).rows;
  const duplicateEdges = (
    await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT from_artifact_id, to_artifact_id, relation FROM lineage_edges WHERE run_id = $1
         GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      [runId],
    )
  ).rows[0]!.n;
  const edges = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM lineage_edges WHERE run_id = $1', [runId])).rows[0]!.n);
  return { run, stages, artifacts, duplicateEdges: Number(duplicateEdges), edges };
}

export type RunRows = Awaited<ReturnType<typeof runRows>>;

/**
 * A consistent timeline: each stage has exactly one succeeded attempt and it is the last one,
 * nothing is left `running`, every artifact kind appears once and no lineage edge twice.
 */
export function timelineProblems(rows: RunRows, stages: string[]): string[] {
  const problems: string[] = [];
  for (const stage of stages) {
    const attempts = rows.stages.filter((s) => s.stage === stage);
    const succeeded = attempts.filter((s) => s.status === 'succeeded');
    if (succeeded.length !== 1) problems.push(`${stage}: ${succeeded.length} succeeded attempts`);
    else if (attempts[attempts.length - 1]!.status !== 'succeeded') problems.push(`${stage}: the succeeded attempt is not the last`);
  }
  const extra = rows.stages.filter((s) => !stages.includes(s.stage)).map((s) => s.stage);
  if (extra.length) problems.push(`unexpected stages: ${extra.join(', ')}`);
  const running = rows.stages.filter((s) => s.status === 'running').map((s) => `${s.stage}#${s.attempt}`);
  if (running.length) problems.push(`orphaned running attempts: ${running.join(', ')}`);
  problems.push(...duplicateArtifactKinds(rows).map((k) => `artifact kind ${k} recorded more than once`));
  if (rows.duplicateEdges) problems.push(`${rows.duplicateEdges} lineage edges recorded more than once`);
  return problems;
}

export function duplicateArtifactKinds(rows: RunRows): string[] {
  const kinds = rows.artifacts.map((a) => a.kind);
  return [...new Set(kinds.filter((k, i) => kinds.indexOf(k) !== i))];
}

/** `stage#attempt status` lines, for messages and the log. */
export const attemptsOf = (rows: RunRows) => rows.stages.map((s) => `${s.stage}#${s.attempt} ${s.status}`).join(', ');
