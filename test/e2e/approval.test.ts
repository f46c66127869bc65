import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseStageReport, type ApprovalReport, type RunDetail } from '@refinery/core';
import { api, DEMO_SPEC, submitYaml, tokenFor, waitForRun } from '../support/api';
import { refinery } from '../support/cli';

/**
 * The approval stage on the real stack, with the seeded people of project "demo": the run waits
 * durably for a reviewer who did not submit it; the submitter is refused even with a role that
 * may approve; a viewer is refused; two-reviewer mode needs two people; a rejection and a timeout
 * end the run without it succeeding.
 */
function approvalSpec(name: string, approval: Record<string, unknown>): string {
  const spec = parse(DEMO_SPEC);
  spec.name = name;
  spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
  spec.quantization = { formats: ['q8_0'] };
  spec.evaluation = { metrics: ['json_valid'], maxExamples: 4, maxNewTokens: 8, gates: [{ metric: 'json_valid', min: 0.9 }], onFail: 'review' };
  spec.approval = approval;
  return stringify(spec);
}

const approvalOf = (run: RunDetail): ApprovalReport => {
  const parsed = parseStageReport('approval', run.stages.filter((s) => s.stage === 'approval').at(-1)?.metrics);
  if (!parsed.report) throw new Error(`no approval report: ${parsed.mismatch}`);
  return parsed.report;
};

async function submitAndWait(yaml: string, as: 'ml_engineer' | 'admin'): Promise<RunDetail> {
  const submitted = await api('POST', '/api/v1/runs', { body: yaml, headers: { 'content-type': 'application/yaml' }, as });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  return waitForRun(submitted.body.id, (r) => r.status === 'awaiting_approval' || ['failed', 'cancelled'].includes(r.status), 10 * 60_000);
}

const decide = (id: string, as: 'viewer' | 'reviewer' | 'ml_engineer' | 'admin', decision: 'approve' | 'reject', evidenceSha256?: string) =>
  api('POST', `/api/v1/runs/${id}/approval`, { as, body: JSON.stringify({ decision, comment: `${decision} as ${as}`, ...(evidenceSha256 ? { evidenceSha256 } : {}) }), headers: { 'content-type': 'application/json' } });

describe('approval with separation of duties', () => {
  it('refuses the submitter (an admin, who may approve others\' runs) and a viewer; another reviewer approves and the run succeeds', { timeout: 12 * 60_000 }, async () => {
    const waiting = await submitAndWait(approvalSpec('approval-sod', { timeout: '1h' }), 'admin');
    expect(waiting.status).toBe('awaiting_approval');
    const asked = approvalOf(waiting);
    // The gate fails on a 3-step model, and goes to the reviewers (onFail: review) instead of rejecting.
    expect(asked).toMatchObject({ outcome: 'awaiting', required: 1, decisions: [], gateFailures: [expect.stringMatching(/^merged json_valid ≥ 0\.9 \(/)] });
    expect(asked.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);

    const bySubmitter = await decide(waiting.id, 'admin', 'approve', asked.evidenceSha256);
    expect(bySubmitter.status).toBe(403);
    expect(bySubmitter.body.error).toMatchObject({ code: 'separation_of_duties', message: expect.stringMatching(/submitted this run, so another reviewer must decide/) });
    const byViewer = await decide(waiting.id, 'viewer', 'approve', asked.evidenceSha256);
    expect(byViewer.status).toBe(403);
    const stale = await decide(waiting.id, 'reviewer', 'approve', 'f'.repeat(64));
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('stale_evidence');

    const approved = await decide(waiting.id, 'reviewer', 'approve', asked.evidenceSha256);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const done = await waitForRun(waiting.id);
    expect(done.status).toBe('succeeded');
    const report = approvalOf(done);
    expect(report).toMatchObject({ outcome: 'approved', evidenceSha256: asked.evidenceSha256, decisions: [{ decision: 'approve', comment: 'approve as reviewer', evidenceSha256: asked.evidenceSha256 }] });
    expect(report.decisions[0]!.actor).toMatch(/^user:/);
    expect(report.decisions[0]!.actor).not.toBe(report.submittedBy);
    // Deciding again on a finished run is refused with the reason.
    expect((await decide(waiting.id, 'reviewer', 'reject')).body.error.code).toBe('not_awaiting');
  });

  it('two-reviewer mode needs two different people (the CLI is one of them); a rejection or the timeout ends the run unpromoted', { timeout: 15 * 60_000 }, async () => {
    const [two, rejected, expired] = await Promise.all([
      submitAndWait(approvalSpec('approval-two', { required: 2 }), 'ml_engineer'),
      submitAndWait(approvalSpec('approval-rejected', {}), 'ml_engineer'),
      submitAndWait(approvalSpec('approval-expired', { timeout: '20s' }), 'ml_engineer'),
    ]);

    expect((await decide(two.id, 'reviewer', 'approve')).status).toBe(200);
    const again = await decide(two.id, 'reviewer', 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_decided');
    expect((await api('GET', `/api/v1/runs/${two.id}`)).body.status).toBe('awaiting_approval');
    const cli = await refinery(['runs', 'approve', two.id, '-m', 'second pair of eyes'], undefined, { REFINERY_TOKEN: tokenFor('admin') });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^approved ${two.id} on evidence [0-9a-f]{12}`));
    const twoDone = await waitForRun(two.id);
    expect(twoDone.status).toBe('succeeded');
    expect(approvalOf(twoDone).decisions.map((d) => d.comment)).toEqual(['approve as reviewer', 'second pair of eyes']);

    expect((await decide(rejected.id, 'reviewer', 'reject')).status).toBe(200);
    const rejectedDone = await waitForRun(rejected.id);
    expect(rejectedDone).toMatchObject({ status: 'rejected', error: expect.stringMatching(/^rejected by user:.+: reject as reviewer$/) });

    const expiredDone = await waitForRun(expired.id, undefined, 2 * 60_000);
    expect(expiredDone).toMatchObject({ status: 'expired', error: expect.stringMatching(/^expired: 0 of 1 approvals by /) });
    expect(approvalOf(expiredDone).outcome).toBe('expired');
  });
});
