import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { accountFor, api, INGEST_ONLY_SPEC, specWith, tokenFor, webUrl } from '../support/api';
import { refinery } from '../support/cli';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

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
    const list = await refinery(['--json', 'runs', 'list', '--project', 'demo', '--limit', '3']);
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

  it('logs in with email and password, stores the token in a 0600 file, uses it, and logs out (revoking it)', async () => {
    const config = mkdtempSync(join(tmpdir(), 'refinery-login-'));
    const as = { XDG_CONFIG_HOME: config, REFINERY_TOKEN: undefined };
    const reviewer = accountFor('reviewer');
    const login = await refinery(['login', '--email', reviewer.email, '--project', 'demo'], undefined, { ...as, REFINERY_PASSWORD: reviewer.password });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/logged in as reviewer@refinery.local: reviewer in project demo/);
    const file = join(config, 'refinery', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'refinery')).mode & 0o777).toBe(0o700);
    const stored = Object.values(JSON.parse(readFileSync(file, 'utf8')))[0] as { token: string; tokenId: string };
    expect(stored.token).toMatch(/^rfy_/);

    const whoami = await refinery(['whoami'], undefined, as);
    expect(whoami.stdout).toMatch(/Rita Reviewer <reviewer@refinery.local> via API token tok_\w+ \(reviewer in demo\)/);
    expect((await refinery(['runs', 'list', '--project', 'demo'], undefined, as)).code).toBe(0);
    // A reviewer may read but not submit.
    const submit = await refinery(['runs', 'submit', specFile(INGEST_ONLY_SPEC)], undefined, as);
    expect(submit.code).toBe(1);
    expect(submit.stderr).toMatch(/this API token has the reviewer role in project demo, which does not allow this \(submit runs\)/);

    const logout = await refinery(['logout'], undefined, as);
    expect(logout.stdout).toMatch(/logged out/);
    const after = await api('GET', '/api/v1/me', { as: { authorization: `Bearer ${stored.token}` } });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('revoked_token');
    const denied = await refinery(['runs', 'list'], undefined, as);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/sign in, or send an API token[\s\S]*run `refinery login`, or set REFINERY_TOKEN/);
  });

  it('stores a token made in the dashboard (--token -) after checking it, and refuses a bad one', async () => {
    const config = mkdtempSync(join(tmpdir(), 'refinery-login-'));
    const as = { XDG_CONFIG_HOME: config, REFINERY_TOKEN: undefined };
    const ok = await refinery(['login', '--token', '-'], `${tokenFor('viewer')}\n`, as);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/viewer in project demo/);
    const bad = await refinery(['login', '--token', `rfy_${'b'.repeat(43)}`], undefined, { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'refinery-login-')), REFINERY_TOKEN: undefined });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not known; create a new one/);
    const junk = await refinery(['login', '--token', 'hunter2'], undefined, as);
    expect(junk.code).toBe(2);
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
