import type { Db } from '@refinery/db';
import type { SourceContext } from '@refinery/storage';

/** What activities need from the outside world; built once per worker process. */
export interface PipelineDeps {
  db: Db;
  sources: SourceContext;
}
