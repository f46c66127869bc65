import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DATASET = join(ROOT, 'examples/datasets/support-tickets.jsonl');
const refinery = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'apps/cli/bin/refinery.mjs'), ...args], { encoding: 'utf8' });

describe('refinery redact (offline, no server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redact-cli-'));
  const out = join(dir, 'out.jsonl');
  const report = join(dir, 'report.json');

  it('redacts the demo dataset with a policy file, keeps it valid JSONL and verifies clean', () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'action: pseudonymize\noverrides: { SECRET: mask }\ncustom: [{ name: CUSTOMER_ID, pattern: "ACME-[0-9]{8}" }]\n');
    writeFileSync(join(dir, 'key'), 'a'.repeat(64));
    const r = refinery('redact', '--in', DATASET, '--out', out, '--report', report, '--policy', policy, '--key-file', join(dir, 'key'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/verification: clean \(0 residuals\)/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(600);
    for (const line of lines) expect(JSON.parse(line).messages.length).toBeGreaterThan(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/ACME-\d{8}/);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.verification.clean).toBe(true);
    expect(rep.totalsByType.CUSTOMER_ID).toBeGreaterThan(0);
    // The same key gives the same pseudonyms (consistent across runs of a project).
    refinery('redact', '--in', DATASET, '--out', join(dir, 'again.jsonl'), '--report', join(dir, 'r2.json'), '--policy', policy, '--key-file', join(dir, 'key'));
    expect(readFileSync(join(dir, 'again.jsonl'), 'utf8')).toBe(text);
  });

  it('exits 1 with residual types and lines when the policy leaves entities unredacted', () => {
    const r = refinery('redact', '--in', DATASET, '--out', out, '--report', report, '--entities', 'EMAIL', '--action', 'mask');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/verification FAILED: \d+ residual\(s\)/);
    expect(r.stdout).toMatch(/line \d+ {2}messages\[user\]\.content: PHONE/);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.verification.residualsByType.EMAIL).toBeUndefined();
    // Residuals name where and what, never the value.
    expect(JSON.stringify(rep)).not.toMatch(/@/);
  });

  it('exits 2 with field paths for a bad policy, and for a malformed dataset line', () => {
    const policy = join(dir, 'bad.yaml');
    writeFileSync(policy, 'action: nuke\ncolour: red\n');
    const bad = refinery('redact', '--in', DATASET, '--out', out, '--report', report, '--policy', policy);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/- action: /);
    expect(bad.stderr).toMatch(/unknown field\(s\): colour/);
    // A catastrophic-backtracking pattern is refused before it ever runs.
    writeFileSync(policy, 'custom: [{ name: ORDER_REF, pattern: "(a+)+$" }]\n');
    const redos = refinery('redact', '--in', DATASET, '--out', out, '--report', report, '--policy', policy);
    expect(redos.status).toBe(2);
    expect(redos.stderr).toMatch(/- custom\[0\]\.pattern: /);

    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, '{"text":"ok"}\n{"text": nope}\n');
    const r = refinery('redact', '--in', broken, '--out', join(dir, 'b.jsonl'), '--report', report, '--format', 'text');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line 2/);
  });
});
