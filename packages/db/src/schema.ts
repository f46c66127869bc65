import { sql } from 'drizzle-orm';
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, bigint } from 'drizzle-orm/pg-core';

/** Schema as code: drizzle-kit generates the SQL migrations in ../migrations from this file. */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const projects = pgTable('projects', {
  id: text('id').primaryKey(), // the slug users type, e.g. "support"
  name: text('name').notNull(),
  description: text('description'),
  /** HMAC key for pseudonyms and hashes in this project's redaction (never leaves the server). */
  redactionKey: text('redaction_key').notNull().default(sql`encode(sha256(gen_random_uuid()::text::bytea), 'hex')`),
  createdAt: createdAt(),
});

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(), // also the Temporal workflow id
    projectId: text('project_id').notNull().references(() => projects.id),
    name: text('name').notNull(),
    status: text('status').notNull(),
    currentStage: text('current_stage'),
    spec: jsonb('spec').notNull(),
    specSha256: text('spec_sha256').notNull(),
    idempotencyKey: text('idempotency_key'),
    /** Audit actor of the submitter (`user:<id>` or `token:<id>`), for separation of duties. */
    submittedBy: text('submitted_by'),
    /** W3C trace id of the API request that submitted the run (links the run to its trace). */
    traceId: text('trace_id'),
    error: text('error'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('runs_idempotency_key_uq').on(t.idempotencyKey),
    index('runs_project_created_idx').on(t.projectId, t.createdAt),
    index('runs_created_idx').on(t.createdAt, t.id),
  ],
);

export const stageExecutions = pgTable(
  'stage_executions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    stage: text('stage').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    error: text('error'),
    metrics: jsonb('metrics'),
    // Usage of this attempt, measured by the worker that ran it (null: not measured, e.g. its worker
    // died): docs/operations.md, Cost accounting. Prices are those in effect when it was recorded.
    /** Task queue the attempt ran on (`refinery-pipeline`, `refinery-gpu-<pool>`): what its price is looked up by. */
    usageQueue: text('usage_queue'),
    wallSeconds: doublePrecision('wall_seconds'),
    cpuSeconds: doublePrecision('cpu_seconds'),
    /** How cpu_seconds was measured: `trainer-rusage` (exact) or `worker-share` (the worker process's CPU, shared). */
    cpuMeasure: text('cpu_measure'),
    gpus: integer('gpus'),
    gpuSeconds: doublePrecision('gpu_seconds'),
    gpuHourPrice: doublePrecision('gpu_hour_price'),
    cpuHourPrice: doublePrecision('cpu_hour_price'),
    // Step caching (docs/architecture.md, Step caching): what the attempt's output depends on, hashed;
    // a later run whose stage has the same key reuses this result instead of recomputing.
    cacheKey: text('cache_key'),
    /** Set when the attempt reused an earlier run's result: the run that computed it. */
    reusedFromRunId: text('reused_from_run_id').references(() => runs.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('stage_executions_run_stage_attempt_uq').on(t.runId, t.stage, t.attempt), index('stage_executions_cache_key_idx').on(t.cacheKey)],
);

/**
 * Prices per task queue (a GPU pool's `refinery-gpu-<pool>`, or `refinery-pipeline`), changed at
 * runtime by instance admins; `*` is the default for every queue without a row of its own.
 */
export const usagePrices = pgTable('usage_prices', {
  queue: text('queue').primaryKey(),
  gpuHourPrice: doublePrecision('gpu_hour_price').notNull(),
  cpuHourPrice: doublePrecision('cpu_hour_price').notNull(),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Fair queuing: a project's limits (no row: no limits), set at runtime by instance admins. */
export const projectQuotas = pgTable('project_quotas', {
  projectId: text('project_id').primaryKey().references(() => projects.id),
  /** Runs computing at once; null: no limit. */
  maxConcurrentRuns: integer('max_concurrent_runs'),
  /** Pool -> runs on the pool's GPUs at once; a pool not listed has no limit. */
  gpuSlots: jsonb('gpu_slots').$type<Record<string, number>>().notNull().default({}),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The runs waiting for a quota slot, with their place in line: a projection the project's
 * semaphore workflow rewrites (all of the project's rows at once) after every change.
 */
export const runQueue = pgTable(
  'run_queue',
  {
    runId: text('run_id').primaryKey().references(() => runs.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull().references(() => projects.id),
    resource: text('resource').notNull(),
    position: integer('position').notNull(),
    priority: integer('priority').notNull(),
    reason: text('reason').notNull(),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('run_queue_project_idx').on(t.projectId)],
);

export const artifacts = pgTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(), // raw_dataset, redacted_dataset, adapter, ...
    sha256: text('sha256').notNull(),
    uri: text('uri').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    mediaType: text('media_type').notNull(),
    producedByStage: text('produced_by_stage').notNull(),
    metadata: jsonb('metadata'),
    createdAt: createdAt(),
  },
  // One row per (run, kind, content): a retried stage finds the row its first attempt wrote.
  (t) => [uniqueIndex('artifacts_run_kind_sha_uq').on(t.runId, t.kind, t.sha256), index('artifacts_sha_idx').on(t.sha256)],
);

export const lineageEdges = pgTable(
  'lineage_edges',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    fromArtifactId: text('from_artifact_id').notNull().references(() => artifacts.id),
    toArtifactId: text('to_artifact_id').notNull().references(() => artifacts.id),
    relation: text('relation').notNull(), // e.g. "redacted_from", "trained_on"
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    stage: text('stage').notNull(),
    createdAt: createdAt(),
  },
  // The unique index serves walks downstream (from → to); upstream walks look edges up by `to`.
  (t) => [uniqueIndex('lineage_edges_uq').on(t.fromArtifactId, t.toArtifactId, t.relation), index('lineage_edges_to_idx').on(t.toArtifactId)],
);

/**
 * The audit log: append-only (triggers in migration 0005 refuse UPDATE, DELETE and TRUNCATE) and
 * hash-chained. Each event stores `hash` = SHA-256 over the previous event's hash and the event's
 * own canonical JSON (packages/core/src/audit-chain.ts), at position `seq`; the unique `seq`
 * means two concurrent writers can never both extend the same link. Events recorded before
 * chaining began (seq null) are reported by the verifier, not covered by it.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().default(sql`now()`),
    actor: text('actor').notNull(), // "user:<id>", "token:<id>", "workflow:<run id>", "system"
    action: text('action').notNull(), // run.created, stage.started, artifact.recorded ...
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    data: jsonb('data'),
    /** The project the action concerns, when it concerns one (the audit page filters on it). */
    projectId: text('project_id'),
    /** The API request that caused it (X-Request-Id), when one did. */
    requestId: text('request_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_events_subject_idx').on(t.subjectType, t.subjectId),
    uniqueIndex('audit_events_seq_uq').on(t.seq),
    index('audit_events_project_at_idx').on(t.projectId, t.at),
  ],
);

/**
 * Signed checkpoints of the audit chain: (seq, hash) signed with the instance's Ed25519 key.
 * Exported and kept elsewhere, they make a truncated tail detectable. Append-only like the log.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  keyId: text('key_id').notNull(),
  /** base64 Ed25519 signature over the checkpoint's canonical JSON {at, hash, keyId, seq}. */
  signature: text('signature').notNull(),
});

/** OpenLineage 2-0-2 RunEvents, one per stage transition (START, COMPLETE, FAIL), as emitted. */
export const openlineageEvents = pgTable(
  'openlineage_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    stage: text('stage').notNull(),
    eventType: text('event_type').notNull(),
    /** Deterministic per (run, stage, attempt, type): a retried projection activity stores it once. */
    dedupeKey: text('dedupe_key').notNull(),
    event: jsonb('event').notNull(),
    /** When the configured HTTP endpoint accepted it; null when none is configured or not yet. */
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('openlineage_events_dedupe_uq').on(t.dedupeKey), index('openlineage_events_run_idx').on(t.runId)],
);

/** Events the endpoint did not accept after the immediate retries; redelivered later. */
export const openlineageDeadLetters = pgTable('openlineage_dead_letters', {
  eventId: bigint('event_id', { mode: 'number' })
    .primaryKey()
    .references(() => openlineageEvents.id, { onDelete: 'cascade' }),
  attempts: integer('attempts').notNull(),
  lastError: text('last_error').notNull(),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
});

/** Training progress points streamed from the trainer (batched inserts), for live loss curves. */
export const trainingMetrics = pgTable(
  'training_metrics',
  {
    runId: text('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(), // "train" (one per optimizer step) or "eval"
    step: integer('step').notNull(),
    epoch: doublePrecision('epoch'),
    loss: doublePrecision('loss'),
    learningRate: doublePrecision('learning_rate'),
    tokensPerSecond: doublePrecision('tokens_per_second'),
    etaSeconds: doublePrecision('eta_seconds'),
    totalSteps: integer('total_steps'),
    // Issue 15, null where the trainer does not report them (older runs; the other method).
    /** SFT train points: pad positions / all positions of the step's batches (0..1). */
    paddingFraction: doublePrecision('padding_fraction'),
    /** SFT train points: the step's peak memory (CUDA allocated; CPU: the process's RSS high-water mark). */
    peakMemoryBytes: bigint('peak_memory_bytes', { mode: 'number' }),
    /** DPO train and eval points: fraction of pairs whose chosen answer has the higher implicit reward. */
    rewardAccuracy: doublePrecision('reward_accuracy'),
    /** DPO train and eval points: mean chosen − rejected implicit reward (in units of β). */
    rewardMargin: doublePrecision('reward_margin'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  // A resumed attempt re-reports steps after its checkpoint: the newest value wins.
  (t) => [primaryKey({ columns: [t.runId, t.kind, t.step] })],
);

// ── Identity ─────────────────────────────────────────────────────────────────────────────────
// users, sessions, accounts and verifications are better-auth's tables (its Drizzle adapter reads
// and writes them; the property names are the ones it expects). Passwords live hashed in
// accounts.password, written only by better-auth.

const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  /** May create projects and acts as admin in every project. */
  instanceAdmin: boolean('instance_admin').notNull().default(false),
  /** Groups from the SSO provider's last sign-in (JSON array), mapped to project roles. */
  ssoGroups: text('sso_groups'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  token: text('token').notNull().unique(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  ipAddress: text('ip_address'),
  userAgent: text('user_agent'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  providerId: text('provider_id').notNull(),
  userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  accessToken: text('access_token'),
  refreshToken: text('refresh_token'),
  idToken: text('id_token'),
  accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }),
  refreshTokenExpiresAt: timestamp('refresh_token_expires_at', { withTimezone: true }),
  scope: text('scope'),
  password: text('password'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const verifications = pgTable('verifications', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A user's role in a project (packages/core/src/access.ts says what each role may do). */
export const projectMembers = pgTable(
  'project_members',
  {
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    /** "manual" (added by an admin) or "sso" (from the provider's groups; re-synced at each SSO sign-in). */
    source: text('source').notNull().default('manual'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
);

/** API tokens for automation: one project, one role, stored as a sha256 hash (shown once). */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    /** The first characters of the token (e.g. "rfy_Ab3x"), to recognise it in lists. */
    displayPrefix: text('display_prefix').notNull(),
    tokenSha256: text('token_sha256').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_sha_uq').on(t.tokenSha256), index('api_tokens_project_idx').on(t.projectId)],
);

/** Which project uploaded which object: a run may only read uploads of its own project. */
export const uploads = pgTable(
  'uploads',
  {
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    sha256: text('sha256').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.sha256] })],
);

// --- model registry ------------------------------------------------------------------------------

/** A model of a project (e.g. "support-router"): its versions and the aliases pointing at them. */
export const models = pgTable(
  'models',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('models_project_name_uq').on(t.projectId, t.name)],
);

/**
 * An immutable record of what a run produced and how it was judged. One per run (a retried
 * promote activity finds the version its first attempt wrote).
 */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: text('id').primaryKey(),
    modelId: text('model_id').notNull().references(() => models.id),
    version: integer('version').notNull(),
    runId: text('run_id').notNull().references(() => runs.id),
    /** Base model, artifacts (adapter, merged, GGUF files: URI + sha256), evaluation, gates, data and approvals. */
    record: jsonb('record').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('model_versions_model_version_uq').on(t.modelId, t.version), uniqueIndex('model_versions_run_uq').on(t.runId)],
);

/** Where each alias (staging, production, custom) points now. */
export const modelAliases = pgTable(
  'model_aliases',
  {
    modelId: text('model_id').notNull().references(() => models.id),
    alias: text('alias').notNull(),
    versionId: text('version_id').notNull().references(() => modelVersions.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

/** Every move of an alias, in order: its history, and what a rollback returns to. */
export const aliasEvents = pgTable(
  'alias_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    modelId: text('model_id').notNull().references(() => models.id),
    alias: text('alias').notNull(),
    action: text('action').notNull(), // promote | rollback
    fromVersionId: text('from_version_id').references(() => modelVersions.id),
    toVersionId: text('to_version_id').notNull().references(() => modelVersions.id),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alias_events_model_alias_idx').on(t.modelId, t.alias, t.id)],
);

/**
 * A registry version marked affected by an erasure request: trained on data a data subject asked
 * to have erased. The version record stays immutable; the mark sits beside it (and is audited).
 */
export const erasureMarks = pgTable(
  'erasure_marks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    versionId: text('version_id')
      .notNull()
      .references(() => modelVersions.id),
    /** What the erasure concerns: an artifact sha256, a source URI or a record's content hash. */
    reference: text('reference').notNull(),
    reason: text('reason'),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('erasure_marks_version_reference_uq').on(t.versionId, t.reference)],
);
