import type { Db } from '@refinery/db';
import type { SourceContext } from '@refinery/storage';

/** What GPU activities need from the outside world; built once per worker process. */
export interface GpuDeps {
  db: Db;
  sources: SourceContext;
  python: string;
  scratchRoot: string;
  /** SIGTERM → SIGKILL grace when a run is cancelled. */
  killGraceMs: number;
}
