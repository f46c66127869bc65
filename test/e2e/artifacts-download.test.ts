import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, RunDetail } from '@refinery/core';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { api, DEMO_SPEC, INGEST_ONLY_SPEC, sessionOf, stackEnv, submitYaml, tokenFor, waitForRun, webUrl } from '../support/api';

/**
 * Artifact downloads against the real stack: every artifact of a trained run through
 * `GET /api/v1/artifacts/{id}/content` (files by sha256, the adapter directory as a tar whose
 * files hash to its manifest) and through `refinery artifacts download`, who may download, and
 * the CLI refusing bytes that do not match.
 */
const DIRECTORY = 'application/vnd.refinery.directory+json';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
type Manifest = { kind: string; files: { path: string; sha256: string; bytes: number }[] };

async function get(path: string, headers: Record<string, string>) {
  const res = await fetch(`${webUrl()}${path}`, { headers });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** path → the sha256 and size of each regular file in a tar. */
async function tarContents(tar: Buffer): Promise<Map<string, { sha256: string; bytes: number; type: string | null | undefined }>> {
  const out = new Map<string, { sha256: string; bytes: number; type: string | null | undefined }>();
  const extract = tarExtract();
  const reading = (async () => {
    for await (const entry of extract) {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const c of entry) {
        hash.update(c as Buffer);
        bytes += (c as Buffer).length;
      }
      out.set(entry.header.name, { sha256: hash.digest('hex'), bytes, type: entry.header.type });
    }
  })();
  extract.end(tar);
  await reading;
  return out;
}

/** Every file under `dir`, relative, with its sha256. */
function hashTree(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of hashTree(dir, rel)) out.set(k, v);
    else out.set(rel, sha(readFileSync(join(dir, rel))));
  }
  return out;
}

/** The real `refinery` binary, as the viewer's API token (read-only is enough to download). */
function refinery(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'refinery-config-')), REFINERY_TOKEN: tokenFor('viewer'), REFINERY_PASSWORD: undefined };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/refinery.mjs'), '--api-url', webUrl(), ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The demo spec cut down to a 3-step training run that ends at the adapter (no redaction either:
 * these tests are about downloads, and every artifact kind left is one of the run's).
 */
function adapterSpec(): string {
  const spec = parse(DEMO_SPEC);
  delete spec.redaction;
  delete spec.quantization;
  delete spec.evaluation;
  spec.name = 'artifacts-download';
  spec.training = { ...spec.training, maxSteps: 3 };
  return stringify(spec);
}

describe('artifact downloads', () => {
  let run: RunDetail;
  let adapter: Artifact;
  let manifest: Manifest;

  beforeAll(async () => {
    const submitted = await submitYaml(adapterSpec());
    expect(submitted.status).toBe(201);
    run = await waitForRun(submitted.body.id, undefined, 600_000);
    expect(run.status, JSON.stringify(run.stages.map((s) => [s.stage, s.status, s.error]))).toBe('succeeded');
    adapter = run.artifacts.find((a) => a.kind === 'adapter')!;
    expect(adapter.mediaType).toBe(DIRECTORY);
    const m = await get(`/api/v1/artifacts/${adapter.id}/content?format=manifest`, bearer(tokenFor('viewer')));
    expect(m.res.status).toBe(200);
    expect(sha(m.body)).toBe(adapter.sha256);
    manifest = JSON.parse(m.body.toString('utf8')) as Manifest;
    expect(manifest.kind).toBe('refinery.directory/v1');
    expect(manifest.files.map((f) => f.path)).toContain('adapter_config.json');
  }, 660_000);

  it('serves every artifact of the run with its sha256; the adapter as a tar whose files hash to the manifest', async () => {
    expect(run.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['raw_dataset', 'train_split', 'eval_split', 'adapter']));
    for (const a of run.artifacts) {
      const { res, body } = await get(`/api/v1/artifacts/${a.id}/content`, bearer(tokenFor('viewer')));
      expect(res.status, a.kind).toBe(200);
      expect(res.headers.get('content-disposition'), a.kind).toMatch(/^attachment; filename="[\w.-]+"$/);
      expect(res.headers.get('x-refinery-artifact-kind')).toBe(a.kind);
      if (a.mediaType === DIRECTORY) {
        expect(res.headers.get('content-type')).toBe('application/x-tar');
        expect(res.headers.get('x-refinery-manifest-sha256')).toBe(a.sha256);
        expect(res.headers.get('content-disposition')).toMatch(/\.tar"$/);
        const m = await get(`/api/v1/artifacts/${a.id}/content?format=manifest`, bearer(tokenFor('viewer')));
        expect(sha(m.body), `${a.kind} manifest`).toBe(a.sha256);
        const files = (JSON.parse(m.body.toString('utf8')) as Manifest).files;
        const entries = await tarContents(body);
        expect([...entries.keys()], a.kind).toEqual(files.map((f) => f.path));
        for (const f of files) expect(entries.get(f.path), `${a.kind}/${f.path}`).toEqual({ sha256: f.sha256, bytes: f.bytes, type: 'file' });
        expect(files.reduce((n, f) => n + f.bytes, 0)).toBe(a.bytes);
      } else {
        expect(sha(body), a.kind).toBe(a.sha256);
        expect(res.headers.get('x-content-sha256')).toBe(a.sha256);
        expect(res.headers.get('digest')).toBe(`sha-256=${Buffer.from(a.sha256, 'hex').toString('base64')}`);
        expect(res.headers.get('etag')).toBe(`"${a.sha256}"`);
        expect(res.headers.get('content-type')).toBe(a.mediaType);
        expect(body.length).toBe(a.bytes);
        // Content never changes under its hash: a client holding it is told so.
        const again = await fetch(`${webUrl()}/api/v1/artifacts/${a.id}/content`, { headers: { ...bearer(tokenFor('viewer')), 'if-none-match': `"${a.sha256}"` } });
        expect(again.status).toBe(304);
      }
    }
    // The dashboard's link (a signed-in session cookie) downloads the same bytes.
    const dataset = run.artifacts.find((a) => a.kind === 'raw_dataset')!;
    const viaSession = await get(`/api/v1/artifacts/${dataset.id}/content`, sessionOf('viewer'));
    expect(viaSession.res.status).toBe(200);
    expect(sha(viaSession.body)).toBe(dataset.sha256);
    // Formats that do not fit the artifact are refused with what would.
    const wrong = await api('GET', `/api/v1/artifacts/${dataset.id}/content?format=tar`, { as: 'viewer' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/format must be raw/);
  });

  it('downloads with `refinery artifacts download`: a file verified by sha256, the adapter untarred and verified against its manifest', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'refinery-download-'));
    const split = run.artifacts.find((a) => a.kind === 'eval_split')!;

    const file = await refinery(['--json', 'artifacts', 'download', split.id, '-o', 'eval.jsonl'], cwd);
    expect(file.stderr).toBe('');
    expect(file.code).toBe(0);
    expect(JSON.parse(file.stdout)).toMatchObject({ id: split.id, kind: 'eval_split', directory: false, sha256: split.sha256, bytes: split.bytes });
    expect(sha(readFileSync(join(cwd, 'eval.jsonl')))).toBe(split.sha256);

    // Without -o: the server's filename, in the current directory.
    const named = await refinery(['artifacts', 'download', split.id], cwd);
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(new RegExp(`to eval_split-${split.sha256.slice(0, 12)}\\.jsonl: .*sha256 ${split.sha256} verified`));
    expect(sha(readFileSync(join(cwd, `eval_split-${split.sha256.slice(0, 12)}.jsonl`)))).toBe(split.sha256);

    const dir = await refinery(['artifacts', 'download', adapter.id, '-o', 'adapter'], cwd);
    expect(dir.stderr).toBe('');
    expect(dir.code).toBe(0);
    expect(dir.stdout).toMatch(new RegExp(`${manifest.files.length} file\\(s\\).*manifest's sha256 \\(${adapter.sha256}\\)`));
    expect(Object.fromEntries(hashTree(join(cwd, 'adapter')))).toEqual(Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256])));

    // An existing target is kept unless --force; no temporary files are left either way.
    const again = await refinery(['artifacts', 'download', adapter.id, '-o', 'adapter'], cwd);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/adapter already exists.*--force/);
    expect((await refinery(['artifacts', 'download', adapter.id, '-o', 'adapter', '--force'], cwd)).code).toBe(0);
    expect(readdirSync(cwd).filter((n) => n.includes('.partial-'))).toEqual([]);

    const missing = await refinery(['artifacts', 'download', 'art_000000000000000000000'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no artifact with id "art_000000000000000000000"/);
  });

  it('refuses bytes that do not hash to the artifact, leaving nothing behind', async () => {
    const storeRoot = stackEnv().OBJECT_STORE_URL!;
    if (/^s3:\/\//.test(storeRoot)) return; // corrupting an object needs the local store the tests run with
    // A dataset no other test shares, so corrupting its object affects only this test.
    const lines = readFileSync(join(REPO_ROOT, 'examples/datasets/support-tickets.jsonl'), 'utf8').split('\n').slice(0, 20);
    lines.push(JSON.stringify({ messages: [{ role: 'user', content: `unique ${randomBytes(8).toString('hex')}` }, { role: 'assistant', content: 'ok' }] }));
    const up = await api('POST', '/api/v1/uploads?project=demo', { body: `${lines.join('\n')}\n`, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    const spec = parse(INGEST_ONLY_SPEC);
    delete spec.redaction;
    const submitted = await submitYaml(stringify({ ...spec, name: 'artifacts-corrupt', dataset: { uri: up.body.uri, format: 'chat' } }));
    expect(submitted.status).toBe(201);
    const ingested = await waitForRun(submitted.body.id);
    const raw = ingested.artifacts.find((a) => a.kind === 'raw_dataset')!;
    expect(raw.sha256).toBe(up.body.sha256);

    const objectPath = join(isAbsolute(storeRoot) ? storeRoot : join(REPO_ROOT, storeRoot), 'sha256', raw.sha256.slice(0, 2), raw.sha256);
    expect(existsSync(objectPath)).toBe(true);
    const original = readFileSync(objectPath);
    const corrupted = Buffer.from(original);
    corrupted[10] = corrupted[10]! ^ 0x20; // same length, one bit flipped
    writeFileSync(objectPath, corrupted);
    try {
      const cwd = mkdtempSync(join(tmpdir(), 'refinery-download-'));
      const r = await refinery(['artifacts', 'download', raw.id, '-o', 'data.jsonl'], cwd);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`sha256 mismatch: the server named ${raw.sha256}, the ${original.length} bytes received hash to ${sha(corrupted)}; nothing was written`));
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      writeFileSync(objectPath, original);
    }
  });

  it('lets viewers download; another project sees 404 exactly like a missing artifact; no credentials get 401', async () => {
    const path = `/api/v1/artifacts/${adapter.id}/content?format=manifest`;
    expect((await get(path, bearer(tokenFor('viewer')))).res.status).toBe(200);
    expect((await get(path, sessionOf('viewer'))).res.status).toBe(200);

    await api('POST', '/api/v1/projects', { as: sessionOf('admin'), body: JSON.stringify({ id: 'downloads-other' }), headers: { 'content-type': 'application/json' } });
    const other = await api('POST', '/api/v1/tokens', { as: sessionOf('admin'), body: JSON.stringify({ name: 'other', project: 'downloads-other', role: 'admin', expiresInDays: 1 }), headers: { 'content-type': 'application/json' } });
    expect(other.status).toBe(201);
    const foreign = await api('GET', `/api/v1/artifacts/${adapter.id}/content`, { as: bearer(other.body.token) });
    const missingId = 'art_000000000000000000000';
    const missing = await api('GET', `/api/v1/artifacts/${missingId}/content`, { as: bearer(other.body.token) });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body).toEqual({ error: { code: 'not_found', message: `no artifact with id "${adapter.id}"` } });
    expect(missing.body).toEqual({ error: { code: 'not_found', message: `no artifact with id "${missingId}"` } });

    // Ids that are not artifact ids are unknown ones, answered before any lookup.
    for (const bad of ['not-an-id', "art_' or '1'='1", `art_${'z'.repeat(300)}`]) {
      const r = await api('GET', `/api/v1/artifacts/${encodeURIComponent(bad)}/content`, { as: 'viewer' });
      expect(r.status, bad).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }

    const anonymous = await api('GET', path, { as: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthenticated');
  });
});
