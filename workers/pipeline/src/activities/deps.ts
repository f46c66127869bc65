import type { SigningKey } from '@refinery/core';
import type { Db } from '@refinery/db';
import type { SourceContext } from '@refinery/storage';
import type { OpenLineageEmitter } from '../openlineage/emitter';
import type { OpenLineageEndpoint } from '../openlineage/delivery';

/** What activities need from the outside world; built once per worker process. */
export interface PipelineDeps {
  db: Db;
  sources: SourceContext;
  /** Signs audit checkpoints (REFINERY_AUDIT_SIGNING_KEY); without it the checkpoint activity fails and says so. */
  auditSigningKey?: SigningKey;
  /** Stores (and, with an endpoint, sends) the OpenLineage event of each run and stage transition. */
  openlineage: OpenLineageEmitter;
  /** REFINERY_OPENLINEAGE_URL and its key, for redelivery; undefined when not configured. */
  openlineageEndpoint?: OpenLineageEndpoint;
  /** REFINERY_SCRATCH_DIR: where redact and split write an attempt's files (default: the OS temp dir). */
  scratchRoot?: string;
}
