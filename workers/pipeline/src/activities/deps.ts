import type { SigningKey } from '@refinery/core';
import type { Db } from '@refinery/db';
import type { SourceContext } from '@refinery/storage';

/** What activities need from the outside world; built once per worker process. */
export interface PipelineDeps {
  db: Db;
  sources: SourceContext;
  /** Signs audit checkpoints (REFINERY_AUDIT_SIGNING_KEY); without it the checkpoint activity fails and says so. */
  auditSigningKey?: SigningKey;
}
