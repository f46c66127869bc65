import type { ComponentType } from 'react';
import type { RunDetail, StageExecution } from '@refinery/core';
import { parseStageReport, STAGE_DEFINITIONS, type StageName } from '@refinery/core/workflow-safe';
import { GenericMetricsPanel, STAGE_PANELS, type StagePanelProps } from '@/components/stage-panels';
import { StatusBadge } from '@/components/status-badge';
import { Card } from '@/components/ui';

/** One panel per stage (its latest attempt; with `only`, of those stages, in that order), chosen from the stage-panel registry. */
export function StagePanelsList({ run, only }: { run: RunDetail; only?: readonly StageName[] }) {
  const latest = new Map<string, StageExecution>();
  const stages = only ? only.flatMap((name) => run.stages.filter((s) => s.stage === name)) : run.stages;
  for (const s of stages) {
    const seen = latest.get(s.stage);
    if (!seen || s.attempt > seen.attempt) latest.set(s.stage, s);
  }
  return (
    <>
      {[...latest.values()].map((stage) => {
        const { report, mismatch } = parseStageReport(stage.stage, stage.metrics);
        const Panel = STAGE_PANELS[stage.stage] as ComponentType<StagePanelProps>;
        return (
          <Card
            key={stage.stage}
            id={`stage-${stage.stage}`}
            testId={`stage-panel-${stage.stage}`}
            title={
              <span className="font-mono" title={STAGE_DEFINITIONS[stage.stage].summary}>
                {stage.stage}
                {stage.attempt > 1 && <span className="ml-2 font-sans text-xs font-normal text-slate-500">attempt {stage.attempt}</span>}
              </span>
            }
            actions={<StatusBadge status={stage.status} />}
          >
            {mismatch ? (
              <>
                <p role="status" data-testid="report-mismatch" className="mx-4 mt-3 rounded bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-inset ring-amber-300">
                  These metrics do not match the {stage.stage} report format ({mismatch}); shown as recorded.
                </p>
                <GenericMetricsPanel stage={stage} report={null} run={run} />
              </>
            ) : (
              <Panel stage={stage} report={report} run={run} />
            )}
          </Card>
        );
      })}
    </>
  );
}
