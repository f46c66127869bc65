import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC_SECTION_ORDER, STAGE_DEFINITIONS, STAGES, TRAINER_VERBS, validateRunSpec, type StageName, type StageReport } from '@refinery/core';
import { STAGE_LINES, stageLine } from '../../apps/cli/src/format';
import { STAGE_PANELS } from '../../apps/web/components/stage-panels';
import { buildOpenApiDocument, stageReportSchemaName } from '../../apps/web/lib/server/openapi';
import { loadToolchain, REPO_ROOT } from '../../infra/src/toolchain';
import { specObject } from '../support/specs';
import { APPROVAL_REPORT, PROMOTE_REPORT, EVALUATE_REPORT, GATES_REPORT, INGEST_REPORT, MERGE_REPORT, QUANTIZE_REPORT, REDACT_REPORT, SPLIT_REPORT, TRAIN_REPORT } from '../workflow/mock-activities';

/**
 * Every stage is defined once (packages/core/src/stages.ts); this proves each room that must know
 * about a stage does: a dashboard panel, a CLI line, a named report schema in the API document,
 * and for GPU stages a trainer verb the trainer really offers.
 */
// Keyed by every stage: a new stage without a sample report is a type error.
const SAMPLE_REPORTS: { [S in StageName]: StageReport<S> } = {
  ingest: INGEST_REPORT,
  redact: REDACT_REPORT,
  split: SPLIT_REPORT,
  train: TRAIN_REPORT,
  merge: MERGE_REPORT,
  quantize: QUANTIZE_REPORT,
  evaluate: EVALUATE_REPORT,
  gates: GATES_REPORT,
  approval: APPROVAL_REPORT,
  promote: PROMOTE_REPORT,
};

describe.each(STAGES)('stage %s', (stage) => {
  const def = STAGE_DEFINITIONS[stage];

  it('has a dashboard panel', () => {
    expect(typeof STAGE_PANELS[stage]).toBe('function');
  });

  it('has a CLI line that reads its report', () => {
    expect(def.report.safeParse(SAMPLE_REPORTS[stage]).success).toBe(true);
    expect(typeof STAGE_LINES[stage]).toBe('function');
    expect(stageLine({ stage, metrics: SAMPLE_REPORTS[stage] as unknown as Record<string, unknown> })).toMatch(/\d/);
  });

  it('has its report schema in the OpenAPI document, by name', () => {
    const schemas = (buildOpenApiDocument().components?.schemas ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
    const schema = schemas[stageReportSchemaName(stage)];
    expect(schema, `components.schemas.${stageReportSchemaName(stage)}`).toBeDefined();
    expect(Object.keys(schema!.properties ?? {}).sort()).toEqual(Object.keys((def.report as unknown as { shape: object }).shape).sort());
  });

  it('configures itself from a RunSpec section the spec knows', () => {
    expect(SPEC_SECTION_ORDER).toContain(def.section);
  });
});

describe('GPU stages', () => {
  it('name trainer verbs that `python -m refinery_trainer --help` lists', () => {
    const gpuStages = STAGES.filter((s) => STAGE_DEFINITIONS[s].queue === 'gpu');
    expect(gpuStages.length).toBeGreaterThan(0);
    const help = execFileSync(loadToolchain().python, ['-m', 'refinery_trainer', '--help'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'workers/trainer') } });
    for (const stage of gpuStages) {
      expect(TRAINER_VERBS[stage], `${stage} needs a trainerVerb`).toBeTruthy();
      expect(help).toMatch(new RegExp(`^\\s+${TRAINER_VERBS[stage]}\\s`, 'm'));
    }
  });
});
