/**
 * What Postgres backends are doing while runs are in flight: pg_stat_activity sampled every
 * 250 ms, active backends counted by wait event ("running" when none: on a CPU or in the
 * executor). A wait event that dominates (e.g. Lock/advisory: the audit chain's append lock) names
 * where the database side of the orchestration serializes.
 */
import { connect } from '@refinery/db';

export interface PgWaitSampling {
  samples: number;
  /** Mean active backends per sample, by `wait_event_type/wait_event` (or "running"). */
  meanActive: Record<string, number>;
}

export function samplePgWaits(databaseUrl: string, intervalMs = 250): { stop(): Promise<PgWaitSampling> } {
  const database = connect(databaseUrl, { max: 1 });
  const counts: Record<string, number> = {};
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await database.pool.query<{ what: string; n: string }>(
        `select coalesce(wait_event_type || '/' || wait_event, 'running') as what, count(*) as n
           from pg_stat_activity where state = 'active' and backend_type = 'client backend' and pid <> pg_backend_pid() group by 1`,
      );
      samples++;
      for (const r of rows) counts[r.what] = (counts[r.what] ?? 0) + Number(r.n);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => {});
      await database.close();
      const meanActive = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / Math.max(1, samples)]));
      return { samples, meanActive };
    },
  };
}
