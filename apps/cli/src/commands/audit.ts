import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command } from 'commander';
import type { ApiError, AuditCheckpoint, AuditEventList, AuditPublicKey, CheckpointExport } from '@refinery/core';
import { ApiRequestError, RefineryApi } from '../api-client';
import { describeOutcome, mergeCheckpoints, openExportFile, readCheckpointFile, readPublicKeyFile, verifyExport, type VerifyOutcome } from '../audit-verify';
import { loadToken } from '../credentials';
import { print, readLine, type GlobalOpts } from './auth';
import { UsageError } from './redact';

interface AuthOpts {
  email?: string;
}

/**
 * The audit API as the caller: an instance admin signs in with --email (password from
 * REFINERY_PASSWORD or a prompt), since API tokens belong to one project and never act as
 * instance admins; without --email the stored token is used (enough for `audit events`).
 */
async function auditAuth(apiUrl: string, o: AuthOpts): Promise<Record<string, string>> {
  if (o.email) {
    const password = process.env.REFINERY_PASSWORD ?? (await readLine(`password for ${o.email}: `, true));
    const cookie = await new RefineryApi(apiUrl).signIn(o.email, password);
    return { cookie, origin: new URL(apiUrl).origin };
  }
  const token = loadToken(apiUrl);
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function call(apiUrl: string, auth: Record<string, string>, method: string, path: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, apiUrl), { method, headers: auth });
  } catch (err) {
    throw new ApiRequestError(0, null, `cannot reach the Refinery API at ${apiUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set --api-url or REFINERY_API_URL`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ApiError | null;
    const hint = res.status === 403 || res.status === 401 ? '\n  the whole chain is for instance admins: pass --email <an instance admin\'s email> (password from REFINERY_PASSWORD or a prompt)' : '';
    throw new ApiRequestError(res.status, body, `${body?.error?.message ?? `HTTP ${res.status}`}${hint}`);
  }
  return res;
}

const getJson = async <T>(apiUrl: string, auth: Record<string, string>, method: string, path: string) => (await (await call(apiUrl, auth, method, path)).json()) as T;

/** The chain's JSONL stream, and the head seq the server had when the export began. */
async function exportStream(apiUrl: string, auth: Record<string, string>) {
  const res = await call(apiUrl, auth, 'GET', '/api/v1/audit/events?format=jsonl');
  const head = Number(res.headers.get('x-refinery-audit-head-seq') ?? NaN);
  return { stream: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), headSeq: Number.isInteger(head) ? head : null };
}

/** Writes under a temporary name and renames into place, so a failed download leaves nothing half-written. */
async function writeAtomically(path: string, write: (tmp: string) => Promise<void>) {
  const tmp = `${path}.${process.pid}.part`;
  try {
    await write(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function auditCommand(globals: () => GlobalOpts): Command {
  const audit = new Command('audit').description('the tamper-evident audit log: verify the hash chain, export it, take and export signed checkpoints');

  audit
    .command('verify')
    .description(
      'download the whole chain (JSONL) and its checkpoints and recompute every link locally, never trusting the server\'s hashes; prints the count verified and OK, ' +
        'or the FIRST broken link (seq, event id, what differs) and exits 1. With --file, verifies an exported chain offline.',
    )
    .option('--file <chain.jsonl>', 'verify this export (`refinery audit export -o`) instead of downloading; no server needed')
    .option('--checkpoints <file.json>', 'signed checkpoints kept elsewhere (`refinery audit checkpoint -o`); they make a truncated tail detectable')
    .option('--public-key <file.pem...>', 'the public key(s) to check checkpoint signatures with (default: those that came with the checkpoints)')
    .option('--email <email>', "sign in as this instance admin (the whole chain is theirs to read)")
    .action(async (o: AuthOpts & { file?: string; checkpoints?: string; publicKey?: string[] }) => {
      const { apiUrl, json } = globals();
      const kept = o.checkpoints ? await readCheckpointFile(o.checkpoints) : undefined;
      const given = o.publicKey ? await Promise.all(o.publicKey.map(readPublicKeyFile)) : undefined;
      let outcome: VerifyOutcome;
      if (o.file) {
        const keys: AuditPublicKey[] = given ?? kept?.publicKeys ?? [];
        outcome = await verifyExport(openExportFile(o.file), kept?.checkpoints ?? [], keys, given ? 'given' : 'checkpoint export');
      } else {
        const auth = await auditAuth(apiUrl, o);
        const server = await getJson<CheckpointExport>(apiUrl, auth, 'GET', '/api/v1/audit/checkpoints');
        const checkpoints = mergeCheckpoints(kept?.checkpoints ?? [], server.checkpoints);
        const keys = given ?? [...(kept?.publicKeys ?? []), ...server.publicKeys];
        const { stream, headSeq } = await exportStream(apiUrl, auth);
        outcome = await verifyExport(stream, checkpoints, keys, given ? 'given' : 'checkpoint export', headSeq);
      }
      print(json, outcome, () => describeOutcome(outcome));
      if (!outcome.ok) process.exitCode = 1;
    });

  audit
    .command('export')
    .description('download the whole chain as JSONL (events before the chain first, then by seq): keep it, or give it to an auditor for `refinery audit verify --file`')
    .option('-o, --output <file>', 'write here (default: standard output)')
    .option('--email <email>', 'sign in as this instance admin')
    .action(async (o: AuthOpts & { output?: string }) => {
      const { apiUrl } = globals();
      const { stream } = await exportStream(apiUrl, await auditAuth(apiUrl, o));
      if (!o.output) return void (await pipeline(stream, process.stdout));
      await writeAtomically(o.output, (tmp) => pipeline(stream, createWriteStream(tmp)));
      console.error(`wrote the audit chain to ${o.output}`);
    });

  audit
    .command('checkpoint')
    .description('sign a checkpoint of the chain\'s head now (the server also signs one daily), and export every checkpoint with the public key: keep the file where the server cannot change it')
    .option('--list', 'only export the existing checkpoints; sign nothing')
    .option('-o, --output <file>', 'write the export (checkpoints + public keys, JSON) here')
    .option('--public-key-out <file.pem>', "write the instance's public key here (PEM), for `verify --public-key`")
    .option('--email <email>', 'sign in as this instance admin')
    .action(async (o: AuthOpts & { list?: boolean; output?: string; publicKeyOut?: string }) => {
      const { apiUrl, json } = globals();
      const auth = await auditAuth(apiUrl, o);
      const taken = o.list ? null : await getJson<AuditCheckpoint>(apiUrl, auth, 'POST', '/api/v1/audit/checkpoints');
      const exported = await getJson<CheckpointExport>(apiUrl, auth, 'GET', '/api/v1/audit/checkpoints');
      if (o.output) await writeAtomically(o.output, (tmp) => writeFile(tmp, `${JSON.stringify(exported, null, 2)}\n`));
      if (o.publicKeyOut) await writeAtomically(o.publicKeyOut, (tmp) => writeFile(tmp, exported.publicKeys[0]!.publicKeyPem));
      print(json, { taken, ...(o.output ? { file: o.output, checkpoints: exported.checkpoints.length } : exported) }, () =>
        [
          taken ? `signed checkpoint at seq ${taken.seq} (hash ${taken.hash}, key ${taken.keyId}, ${taken.at})` : null,
          o.output ? `wrote ${exported.checkpoints.length} checkpoint(s) and the public key to ${o.output}` : JSON.stringify(exported, null, 2),
          o.publicKeyOut ? `wrote the public key (key ${exported.publicKeys[0]!.keyId}) to ${o.publicKeyOut}` : null,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });

  audit
    .command('events')
    .description("list audit events, newest first: an instance admin's are all, a reviewer's or project admin's their projects'")
    .option('--actor <actor>', 'e.g. user:<id>, token:<id>, workflow:<run id>')
    .option('--action <action>', 'exact, or a prefix ending in "." (e.g. model.)')
    .option('-p, --project <project>')
    .option('--from <time>', 'ISO 8601')
    .option('--to <time>', 'ISO 8601')
    .option('--limit <n>', 'at most this many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--email <email>', 'sign in as this user instead of using the stored token')
    .action(async (o: AuthOpts & { actor?: string; action?: string; project?: string; from?: string; to?: string; limit: string; cursor?: string }) => {
      const { apiUrl, json } = globals();
      if (!/^\d+$/.test(o.limit)) throw new UsageError('--limit must be a number from 1 to 200');
      const q = new URLSearchParams();
      for (const k of ['actor', 'action', 'project', 'from', 'to', 'limit', 'cursor'] as const) if (o[k]) q.set(k, o[k]!);
      const page = await getJson<AuditEventList>(apiUrl, await auditAuth(apiUrl, o), 'GET', `/api/v1/audit/events?${q}`);
      print(json, page, () =>
        [
          ...page.events.map((e) => `${e.at}  #${e.seq ?? '-'}  ${e.actor.padEnd(24)} ${e.action.padEnd(24)} ${e.subjectType}:${e.subjectId}${e.projectId ? `  [${e.projectId}]` : ''}`),
          page.events.length === 0 ? 'no events (reading them needs audit.read in a project: reviewer or admin)' : null,
          page.nextCursor ? `more: --cursor ${page.nextCursor}` : null,
        ]
          .filter((l) => l !== null)
          .join('\n'),
      );
    });

  return audit;
}
