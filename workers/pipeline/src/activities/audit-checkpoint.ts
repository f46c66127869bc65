import { takeAuditCheckpoint } from '@refinery/db';
import type { AuditCheckpoint } from '@refinery/core';
import type { PipelineDeps } from './deps';

/**
 * The daily audit checkpoint: signs the chain's head with the instance's key and stores it
 * (the `auditCheckpoint` workflow, started by a Temporal Schedule, runs it).
 */
export function auditCheckpointActivities(deps: PipelineDeps) {
  return {
    async signAuditCheckpoint(): Promise<AuditCheckpoint | null> {
      if (!deps.auditSigningKey) throw new Error('the pipeline worker has no audit signing key: set REFINERY_AUDIT_SIGNING_KEY (an Ed25519 PKCS#8 PEM; docs/security.md, Audit log)');
      const checkpoint = await takeAuditCheckpoint(deps.db, deps.auditSigningKey);
      console.log(checkpoint ? `[audit] checkpoint signed at seq ${checkpoint.seq} (key ${checkpoint.keyId})` : '[audit] the audit chain is empty; no checkpoint');
      return checkpoint;
    },
  };
}
