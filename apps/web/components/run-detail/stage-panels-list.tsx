import type { RunDetail, StageExecution } from '@refinery/core';
import { stagePanelFor } from '@/components/stage-panels';
import { StatusBadge } from '@/components/status-badge';
import { Card } from '@/components/ui';

/** One panel per stage (its latest attempt), chosen from the stage-panel registry. */
export function StagePanelsList({ run }: { run: RunDetail }) {
  const latest = new Map<string, StageExecution>();
  for (const s of run.stages) {
    const seen = latest.get(s.stage);
    if (!seen || s.attempt > seen.attempt) latest.set(s.stage, s);
  }
  return (
    <>
      {[...latest.values()].map((stage) => {
        const Panel = stagePanelFor(stage.stage);
        return (
          <Card
            key={stage.stage}
            testId={`stage-panel-${stage.stage}`}
            title={<span className="font-mono">{stage.stage}</span>}
            actions={<StatusBadge status={stage.status} kind="stage" />}
          >
            <Panel stage={stage} run={run} />
          </Card>
        );
      })}
    </>
  );
}
