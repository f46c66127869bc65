import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { INGEST_ONLY_SPEC, specWith, webUrl } from '../support/api';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Runs the real `refinery` binary against the test stack. */
function refinery(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/refinery.mjs'), '--api-url', webUrl(), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    if (stdin !== undefined) child.stdin.end(stdin);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const specFile = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'refinery-cli-')), 'spec.yaml');
  writeFileSync(path, text);
  return path;
};

describe('refinery CLI against the real stack', () => {
  it('submits with --follow, shows stage progress and exits 0 on success', async () => {
    const r = await refinery(['runs', 'submit', specFile(specWith({ name: 'cli-follow' })), '--follow']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/submitted run_/);
    expect(r.stdout).toMatch(/ingest succeeded in/);
    expect(r.stdout).toMatch(/ succeeded/);
  });

  it('exits non-zero with the line errors when the run fails; --json emits events', async () => {
    const spec = specWith({ name: 'cli-bad-data', dataset: '{ uri: file://examples/datasets/malformed-chat.jsonl, format: chat }' });
    const r = await refinery(['--json', 'runs', 'submit', '-', '--follow'], spec);
    expect(r.code).toBe(1);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ event: 'run', status: 'failed' });
    expect(events).toContainEqual(expect.objectContaining({ event: 'stage', stage: 'ingest', status: 'failed' }));

    expect(events[0]).toMatchObject({ event: 'submitted', id: expect.stringMatching(/^run_/) });
    const id = events[0].id as string;
    const get = await refinery(['runs', 'get', id]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/line 3 {2}\(line\): invalid JSON/);
    expect(get.stdout).toMatch(/line 7 {2}messages: is required/);
  });

  it('lists and gets runs as JSON', async () => {
    const list = await refinery(['--json', 'runs', 'list', '--project', 'support', '--limit', '3']);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout);
    expect(page.runs.length).toBeGreaterThan(0);
    expect(page.runs.length).toBeLessThanOrEqual(3);
    const get = await refinery(['--json', 'runs', 'get', page.runs[0].id]);
    expect(JSON.parse(get.stdout).id).toBe(page.runs[0].id);
  });

  it('prints spec errors with field paths and exits 1', async () => {
    const r = await refinery(['runs', 'submit', specFile(INGEST_ONLY_SPEC.replace('format: chat', 'format: csv'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the RunSpec is invalid\n {2}- dataset.format:/);
  });

  it('says clearly when the API is unreachable', async () => {
    const child = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/refinery.mjs'), '--api-url', 'http://127.0.0.1:9', 'runs', 'list']);
      let stderr = '';
      p.stderr.on('data', (b) => (stderr += b));
      p.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
    });
    expect(child.code).toBe(3);
    expect(child.stderr).toMatch(/cannot reach the Refinery API at http:\/\/127.0.0.1:9/);
  });
});
