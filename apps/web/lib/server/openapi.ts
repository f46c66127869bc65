import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ProjectQuotaLimitsSchema,
  ProjectQuotaSchema,
  ACTIONS,
  AddMemberSchema,
  ApiErrorSchema,
  ApiTokenSchema,
  ChangeMemberSchema,
  CreatedTokenSchema,
  CreateProjectSchema,
  CreateTokenSchema,
  CreateUserSchema,
  DecisionRequestSchema,
  ErasureImpactRequestSchema,
  ErasureImpactSchema,
  ErasureMarkRequestSchema,
  ErasureMarkResultSchema,
  GenerateRequestSchema,
  HealthSchema,
  HEALTH_PROBES,
  LivenessSchema,
  LineageGraphSchema,
  LineageQuerySchema,
  MemberSchema,
  OpenLineageExportQuerySchema,
  OpenLineageRedeliverRequestSchema,
  OpenLineageRedeliveryResultSchema,
  MeSchema,
  ProjectSchema,
  ProjectUsageSchema,
  SetUsagePriceSchema,
  UsagePriceListSchema,
  UsagePriceSchema,
  MetricsResponseSchema,
  ModelDetailSchema,
  ModelSummarySchema,
  PromoteReportSchema,
  PromoteRequestSchema,
  RunDetailSchema,
  RunListSchema,
  RUN_STATUSES,
  RunSpecObjectSchema,
  RunSummarySchema,
  STAGE_DEFINITIONS,
  STAGES,
  StageExecutionSchema,
  UploadResultSchema,
  UserSchema,
  type StageName,
} from '@refinery/core';
import { ROUTE_RULES, type RouteKey, type Rule } from './route-rules';

/** The component name of a stage's report schema, e.g. `IngestReport`. */
export const stageReportSchemaName = (stage: StageName) => `${STAGE_DEFINITIONS[stage].title.replace(/\W/g, '')}Report`;

// Each stage's report appears in the document by name; a stage execution's metrics is one of
// them (or, for a failed stage, the details it failed with). Named once: zod's registry refuses a
// second schema under the same id.
const stageReports = STAGES.map((stage) =>
  STAGE_DEFINITIONS[stage].report.meta({ id: stageReportSchemaName(stage), description: `${STAGE_DEFINITIONS[stage].summary} (the ${stage} stage's report)` }),
);
const RunDetailWithReports = RunDetailSchema.extend({
  stages: z.array(
    StageExecutionSchema.extend({
      metrics: z
        .union([...stageReports, z.record(z.string(), z.unknown())] as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])
        .nullable()
        .describe('the report of the stage named by `stage` (IngestReport for ingest, ...), or the details a failed stage reported'),
    }).meta({ id: 'StageExecution' }),
  ),
});

/** The OpenAPI document, generated from the same zod schemas the API validates with. */
export function buildOpenApiDocument() {
  const r = new OpenAPIRegistry();
  const RunSpec = RunSpecObjectSchema;
  const Run = RunSummarySchema;
  const RunDetail = RunDetailWithReports;
  const Error = ApiErrorSchema;
  const errors = (...codes: number[]) =>
    Object.fromEntries(codes.map((c) => [c, { description: ERROR_TEXT[c] ?? 'error', content: { 'application/json': { schema: Error } } }]));
  const idParam = z.object({ id: z.string().describe('run id') });
  const projectParam = z.object({ project: z.string().describe('project id') });
  const jsonBody = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } } } });
  const ok = (status: number, description: string, schema?: z.ZodType) => ({ [status]: { description, ...(schema ? { content: { 'application/json': { schema } } } : {}) } });
  r.registerComponent('securitySchemes', 'apiToken', { type: 'http', scheme: 'bearer', description: 'An API token (rfy_...) for one project and role: dashboard → Tokens, or `refinery login`' });
  r.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'better-auth.session_token', description: 'The dashboard session (sign in at /sign-in); writes must come from the dashboard origin' });
  /** Registers one route; its method, path, security and who may call it come from ROUTE_RULES. */
  const add = (key: RouteKey, config: Omit<RouteConfig, 'method' | 'path'>) => {
    const [method, path] = key.split(' ') as [string, string];
    const rule: Rule = ROUTE_RULES[key];
    const open = 'allow' in rule && rule.allow === 'anyone';
    r.registerPath({
      ...config,
      method: method.toLowerCase() as RouteConfig['method'],
      path,
      description: [config.description, `**Access:** ${describeRule(rule)}`].filter(Boolean).join('\n\n'),
      security: open ? [] : rule.sessionOnly ? [{ session: [] }] : [{ apiToken: [] }, { session: [] }],
      responses: { ...config.responses, ...(open ? {} : errors(401, 403, ...('action' in rule ? [404] : []))) },
    });
  };

  add('POST /api/v1/runs', {
    summary: 'Submit a fine-tuning run',
    description: 'Validates the RunSpec (unknown fields are rejected with their path), records the run and starts its workflow. The same Idempotency-Key returns the same run.',
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().optional().describe('retry-safe submission key (1-200 printable characters)') }),
      body: { content: { 'application/json': { schema: RunSpec }, 'application/yaml': { schema: RunSpec } } },
    },
    responses: {
      201: { description: 'run created', content: { 'application/json': { schema: Run } } },
      200: { description: 'existing run for this Idempotency-Key', content: { 'application/json': { schema: Run } } },
      ...errors(400, 422, 503),
    },
  });
  add('GET /api/v1/runs', {
    summary: 'List runs, newest first',
    request: {
      query: z.object({
        project: z.string().optional(),
        status: z.enum(RUN_STATUSES).optional(),
        limit: z.number().int().min(1).max(200).optional(),
        cursor: z.string().optional().describe('nextCursor from the previous page'),
      }),
    },
    responses: { 200: { description: 'a page of runs', content: { 'application/json': { schema: RunListSchema } } }, ...errors(400) },
  });
  add('GET /api/v1/runs/{id}', {
    summary: 'A run with its spec, stage timeline and artifacts',
    request: { params: idParam },
    responses: { 200: { description: 'the run', content: { 'application/json': { schema: RunDetail } } }, ...errors(404) },
  });
  add('POST /api/v1/runs/{id}/cancel', {
    summary: 'Cancel a run; the running stage is stopped and the run ends `cancelled`',
    request: { params: idParam },
    responses: { 202: { description: 'cancellation requested', content: { 'application/json': { schema: RunDetail } } }, ...errors(404, 409) },
  });
  add('POST /api/v1/runs/{id}/approval', {
    summary: 'Approve or reject a run awaiting approval (the approval stage)',
    description:
      'The decider is the person behind the caller (a token acts for its creator). Refused with 403 for the run\'s submitter (separation of duties) and for a role without run.approve; with 409 when the run is not awaiting a decision, the person already decided, or `evidenceSha256` is not the evidence now shown. The decision records who, when, the comment and the evidence hash.',
    request: { params: idParam, body: { content: { 'application/json': { schema: DecisionRequestSchema } } } },
    responses: {
      200: { description: 'decision recorded; the run continues, or ends rejected', content: { 'application/json': { schema: z.object({ receipt: z.object({ stage: z.string(), decision: z.enum(['approve', 'reject']), actor: z.string(), comment: z.string(), evidenceSha256: z.string(), at: z.string() }), run: RunDetail }) } } },
      ...errors(400, 403, 404, 409),
    },
  });
  add('GET /api/v1/runs/{id}/metrics', {
    summary: 'Training progress points (loss, learning rate, tokens/s, ETA) and eval losses',
    request: { params: idParam, query: z.object({ afterStep: z.number().int().optional().describe('only points after this step (incremental polling)') }) },
    responses: { 200: { description: 'points in step order', content: { 'application/json': { schema: MetricsResponseSchema } } }, ...errors(400, 404) },
  });
  add('GET /api/v1/artifacts/{id}/content', {
    summary: "Download an artifact (streamed): a file as stored, a directory (adapter, merged model, checkpoint) as a tar",
    description:
      "A single-file artifact comes as stored, with its media type, `Content-Length`, a `Content-Disposition` filename, its sha256 in `X-Content-SHA256` (hex), `Digest` and `Repr-Digest` (base64), and the sha256 as its ETag (`If-None-Match` → 304). A directory artifact comes as a tar of its files (`application/x-tar`, no `Content-Length`), with the sha256 of its manifest in `X-Refinery-Manifest-SHA256`; `?format=manifest` returns that manifest (`{kind, files: [{path, sha256, bytes}]}`, whose sha256 is the artifact's), against which each extracted file can be verified. Clients should verify: `refinery artifacts download` does. Each download is audited (`artifact.downloaded`).",
    request: {
      params: z.object({ id: z.string().describe('artifact id (art_...), from a run\'s artifacts') }),
      query: z.object({ format: z.enum(['raw', 'tar', 'manifest']).optional().describe('raw (single files, the default); tar (directories, the default) or manifest') }),
      headers: z.object({ 'If-None-Match': z.string().optional() }),
    },
    responses: {
      200: {
        description: 'the content, streamed',
        headers: {
          'X-Content-SHA256': { description: 'sha256 of the body (hex); single files and manifests', schema: { type: 'string' } },
          'X-Refinery-Manifest-SHA256': { description: "sha256 of the directory's manifest (hex); tar downloads", schema: { type: 'string' } },
          ETag: { description: 'the sha256 (`"<hex>"`, or `"<hex>.tar"` for a tar)', schema: { type: 'string' } },
          'Content-Disposition': { description: 'attachment; filename="..."', schema: { type: 'string' } },
        },
        content: {
          'application/octet-stream': { schema: z.string().describe('the file bytes, in the artifact\'s media type (application/jsonl, application/json, application/vnd.gguf, ...)') },
          'application/x-tar': { schema: z.string().describe('a tar of the directory\'s files') },
          'application/vnd.refinery.directory+json': { schema: z.object({ kind: z.literal('refinery.directory/v1'), files: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int() })) }) },
        },
      },
      304: { description: 'not modified (If-None-Match matched the ETag)' },
      ...errors(400, 500),
    },
  });
  add('GET /api/v1/lineage', {
    summary: 'The lineage graph around a node: artifacts, stage executions, runs, approvals and registry versions',
    description:
      'Start from an artifact sha256 (every artifact with that content in your projects) or id, a run id, or a registry version `<project>/<model>@v<N>` (or `@<alias>`). `up` follows where it came from (to the raw dataset), `down` what was made from it (to approvals and versions), `both` both. Edges: consumed (artifact → stage), produced (stage → artifact or version), part_of (stage → run), approved (evaluation report and gates → approval → version), registered (artifact → version). Nodes of projects you may not read are left out; a start node in one answers 404.',
    request: { query: LineageQuerySchema },
    responses: { 200: { description: 'the graph', content: { 'application/json': { schema: LineageGraphSchema } } }, ...errors(400, 404) },
  });
  const projectQuery = z.object({ project: z.string().describe('the project the model belongs to') });
  const modelParams = z.object({ name: z.string().describe('model name, e.g. support-router') });
  const aliasParams = modelParams.extend({ alias: z.string().describe('alias, e.g. staging or production') });
  const aliasMoved = z.object({ report: PromoteReportSchema, model: ModelDetailSchema });
  add('GET /api/v1/models', {
    summary: "The project's registry models, with their latest version and where each alias points",
    request: { query: projectQuery },
    responses: { 200: { description: 'models by name', content: { 'application/json': { schema: z.object({ models: z.array(ModelSummarySchema) }) } } }, ...errors(400) },
  });
  add('GET /api/v1/models/{name}', {
    summary: "A model: every version's immutable record (artifacts with sha256, evaluation, gates, data, approvals), its aliases and their history",
    request: { params: modelParams, query: projectQuery },
    responses: { 200: { description: 'the model', content: { 'application/json': { schema: ModelDetailSchema } } }, ...errors(400, 404) },
  });
  add('GET /api/v1/models/{name}/versions/{version}/card', {
    summary: "A version's model card (Markdown): intended use, base model and licence, data and redaction, hyperparameters, metrics, gates, quantized variants and their quality cost, privacy checks, approvals",
    request: { params: modelParams.extend({ version: z.string().describe('version number') }), query: projectQuery },
    responses: { 200: { description: 'the card', content: { 'text/markdown': { schema: z.string() } } }, ...errors(400, 404) },
  });
  add('POST /api/v1/models/{name}/versions/{version}/generate', {
    summary: "Playground: one chat turn with the version's GGUF in node-llama-cpp (greedy), streamed as server-sent events",
    description: 'Events: `start` (model, version, format, sha256), `token` ({text}) per chunk, `done` ({chunks, seconds, chatWrapper}) or `error` ({message}). At most REFINERY_PLAYGROUND_CONCURRENCY turns per project run at once on a server (429 beyond).',
    request: { params: modelParams.extend({ version: z.string().describe('version number') }), query: projectQuery, body: { content: { 'application/json': { schema: GenerateRequestSchema } } } },
    responses: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...errors(400, 404, 409, 429) },
  });
  add('POST /api/v1/models/{name}/aliases/{alias}', {
    summary: 'Promote: move the alias to a version, atomically and audited (moving it where it is changes nothing)',
    request: { params: aliasParams, query: projectQuery, body: { content: { 'application/json': { schema: PromoteRequestSchema } } } },
    responses: { 200: { description: 'the move and the model after it', content: { 'application/json': { schema: aliasMoved } } }, ...errors(400, 404) },
  });
  add('POST /api/v1/models/{name}/aliases/{alias}/rollback', {
    summary: 'Roll back: move the alias to the version it held before its current one was promoted (audited)',
    request: { params: aliasParams, query: projectQuery },
    responses: { 200: { description: 'the move and the model after it', content: { 'application/json': { schema: aliasMoved } } }, ...errors(400, 404, 409) },
  });
  add('POST /api/v1/specs/validate', {
    summary: 'Validate a RunSpec without submitting it',
    request: { body: { content: { 'application/json': { schema: RunSpec }, 'application/yaml': { schema: RunSpec } } } },
    responses: {
      200: {
        description: 'validation result',
        content: { 'application/json': { schema: z.object({ valid: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }) } },
      },
    },
  });
  add('POST /api/v1/uploads', {
    summary: 'Upload a dataset (streamed into the object store); use the returned uri as dataset.uri in runs of the project',
    request: { query: z.object({ project: z.string().describe('the project the upload belongs to') }), body: { content: { 'application/octet-stream': { schema: z.string().describe('file bytes') } } } },
    responses: { 201: { description: 'stored', content: { 'application/json': { schema: UploadResultSchema } } }, ...errors(400, 413) },
  });
  add('GET /api/v1/health', {
    summary: 'Postgres, Temporal and worker status',
    request: {
      query: z.object({
        probe: z.enum(HEALTH_PROBES).optional().describe('live: answers without checking anything (Kubernetes liveness); ready: the status counts Postgres and Temporal only (readiness)'),
      }),
    },
    responses: {
      200: { description: 'all healthy (probe=live: the process answers)', content: { 'application/json': { schema: z.union([HealthSchema, LivenessSchema]) } } },
      503: { description: 'degraded', content: { 'application/json': { schema: HealthSchema } } },
      ...errors(400),
    },
  });

  add('GET /api/v1/openapi.json', { summary: 'This document', responses: ok(200, 'the OpenAPI 3.1 document') });
  add('GET /api/v1/me', { summary: 'Who is calling, and what they may do in each of their projects', responses: ok(200, 'the caller', MeSchema) });
  add('GET /api/v1/projects', { summary: "The caller's projects (all, for an instance admin)", responses: ok(200, 'projects', z.object({ projects: z.array(ProjectSchema) })) });
  add('POST /api/v1/projects', { summary: 'Create a project; the creator becomes its admin', request: jsonBody(CreateProjectSchema), responses: { ...ok(201, 'created', ProjectSchema), ...errors(400, 409) } });
  add('GET /api/v1/projects/{project}/members', { summary: "The project's members and roles", request: { params: projectParam }, responses: ok(200, 'members', z.object({ members: z.array(MemberSchema) })) });
  add('POST /api/v1/projects/{project}/members', {
    summary: 'Add an existing account to the project (or change its role)',
    request: { params: projectParam, ...jsonBody(AddMemberSchema) },
    responses: { ...ok(201, 'the member', MemberSchema), ...errors(400) },
  });
  const memberParams = projectParam.extend({ userId: z.string() });
  add('PATCH /api/v1/projects/{project}/members/{userId}', { summary: "Change a member's role", request: { params: memberParams, ...jsonBody(ChangeMemberSchema) }, responses: { ...ok(200, 'the member', MemberSchema), ...errors(400, 409) } });
  add('DELETE /api/v1/projects/{project}/members/{userId}', { summary: 'Remove a member (the last admin stays)', request: { params: memberParams }, responses: { ...ok(204, 'removed'), ...errors(409) } });
  add('GET /api/v1/tokens', { summary: "The caller's API tokens, and all of a project's where they manage tokens (never the secret)", responses: ok(200, 'tokens', z.object({ tokens: z.array(ApiTokenSchema) })) });
  add('POST /api/v1/tokens', {
    summary: "Create an API token for one project, with a role within the caller's own",
    description: 'The secret is in this response only; it is stored as a sha256 hash.',
    request: jsonBody(CreateTokenSchema),
    responses: { ...ok(201, 'the token, with its secret', CreatedTokenSchema), ...errors(400, 429) },
  });
  add('DELETE /api/v1/tokens/{id}', { summary: "Revoke a token: one's own, or any in a project where one manages tokens", request: { params: z.object({ id: z.string() }) }, responses: { ...ok(200, 'revoked', ApiTokenSchema), ...errors(404, 409) } });
  add('POST /api/v1/users', { summary: 'Create an email + password account', request: jsonBody(CreateUserSchema), responses: { ...ok(201, 'the account', UserSchema), ...errors(400, 409) } });
  add('GET /api/v1/projects/{project}/usage', {
    summary: "The project's usage and cost: CPU-seconds, GPU-seconds and cost per run and in total",
    description:
      'Sums the stage attempts that started in [from, to) (either bound optional), each priced at its queue\'s price when it was recorded (docs/operations.md, Cost accounting). `unmeasuredAttempts` counts attempts whose worker or trainer died before reporting; the sums leave out what they did not report.',
    request: { params: projectParam, query: z.object({ from: z.string().optional().describe('ISO 8601 date or instant'), to: z.string().optional().describe('ISO 8601 date or instant (exclusive)') }) },
    responses: { ...ok(200, 'usage per run and totals', ProjectUsageSchema), ...errors(400) },
  });
  add('GET /api/v1/projects/{project}/quotas', {
    summary: "The project's limits on concurrent runs and GPU slots per pool, and the runs waiting under them",
    description: 'Runs over a limit wait `queued`, highest `priority` first, then in order of arrival (docs/architecture.md, Fair queuing and quotas).',
    request: { params: projectParam },
    responses: { ...ok(200, 'limits and queue', ProjectQuotaSchema), ...errors(404) },
  });
  add('PUT /api/v1/projects/{project}/quotas', {
    summary: "Replace the project's limits (instance admins; audited as quota.set)",
    description: 'null / a pool not listed: no limit; 0 holds every new run back. Takes effect at once: waiting runs go ahead when a limit rises; a lowered limit takes no slot back from a run holding it.',
    request: { params: projectParam, ...jsonBody(ProjectQuotaLimitsSchema) },
    responses: { ...ok(200, 'the limits now, and the queue', ProjectQuotaSchema), ...errors(400, 404) },
  });
  add('GET /api/v1/usage/prices', { summary: 'Prices per GPU-hour and CPU-hour of each task queue (`*`: the default for queues without their own)', responses: ok(200, 'prices', UsagePriceListSchema) });
  add('PUT /api/v1/usage/prices/{queue}', {
    summary: "Set a queue's prices for stage attempts recorded from now on (audited as usage.price_set)",
    description: 'The queue is `*` (the default), `refinery-pipeline` or `refinery-gpu-<pool>`. Attempts already recorded keep the prices they were recorded with.',
    request: { params: z.object({ queue: z.string().describe('*, refinery-pipeline or refinery-gpu-<pool>') }), ...jsonBody(SetUsagePriceSchema) },
    responses: { ...ok(200, 'the price now', UsagePriceSchema), ...errors(400) },
  });
  // Temporal's codec-server protocol (proto JSON payloads: metadata values and data in base64).
  const codecPayloads = z.object({
    payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional().describe('metadata key → base64 value'), data: z.string().optional().describe('base64') })),
  });
  const codecDescription =
    'Temporal\'s codec-server protocol, for the Temporal Web UI (set its codec endpoint to `<dashboard>/api/v1/temporal/codec` with "Include cross-origin credentials") and `temporal workflow show --codec-endpoint`. Instance admins only: a payload does not say which project it belongs to. Calls from REFINERY_TEMPORAL_UI_ORIGIN get CORS headers and may carry the session cookie.';
  add('POST /api/v1/temporal/codec/decode', {
    summary: 'Decrypt Temporal payloads (audited as temporal.payloads_decoded, counts only)',
    description: `${codecDescription} Payloads that are not encrypted come back unchanged. 400 \`undecryptable_payload\` names a key id that is not configured, or says the payload failed authentication.`,
    request: { headers: z.object({ 'X-Namespace': z.string().optional().describe('the Temporal namespace (the Web UI sends it); recorded in the audit event') }), ...jsonBody(codecPayloads) },
    responses: { ...ok(200, 'the payloads, decrypted', codecPayloads), ...errors(400, 413) },
  });
  add('POST /api/v1/temporal/codec/encode', {
    summary: 'Encrypt Temporal payloads with the active key',
    description: codecDescription,
    request: jsonBody(codecPayloads),
    responses: { ...ok(200, 'the payloads, encrypted', codecPayloads), ...errors(400, 413) },
  });
  add('POST /api/v1/erasure/impact', {
    summary: 'Erasure impact: every run and registry version downstream of a dataset, artifact, source URI or record hash, and whether production is affected',
    description:
      'A sha256, artifact id or URI is looked up in the project\'s artifacts (a URI: raw datasets ingested from it, and runs submitted with it); a `record_hash` (sha256 of one JSONL line, without its line end) is searched by streaming every raw dataset of the project from the object store and hashing each line — O(the project\'s data) per query; `scan` says what was read. The closure follows lineage edges to every derived artifact and its run. Nothing is changed.',
    request: jsonBody(ErasureImpactRequestSchema),
    responses: { ...ok(200, 'the impact (matched: false when the reference names nothing in the project)', ErasureImpactSchema), ...errors(400) },
  });
  add('POST /api/v1/erasure/marks', {
    summary: 'Mark every registry version downstream of the reference affected (idempotent, audited)',
    description:
      'Creates one erasure mark per affected version and reference (a second request changes nothing: `created: false`); each new mark is audited as `erasure.marked`. A record hash is stored as an HMAC under the project key. Marks do not delete or change versions: the operator decides what to retrain, roll back or withdraw. 404 `no_match` when the reference names nothing in the project.',
    request: jsonBody(ErasureMarkRequestSchema),
    responses: { ...ok(200, 'the marks and the impact after marking', ErasureMarkResultSchema), ...errors(400) },
  });

  // The audit log (docs/security.md, Audit log).
  const AuditEvent = z.object({
    id: z.number().int(),
    seq: z.number().int().nullable().describe('position in the hash chain; null for events written before chaining began'),
    at: z.string().describe('ISO 8601, milliseconds'),
    actor: z.string().describe('user:<id>, token:<id>, workflow:<run id> or anonymous'),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    projectId: z.string().nullable(),
    requestId: z.string().nullable().describe('the X-Request-Id of the API request that caused it'),
    data: z.unknown(),
    before: z.unknown(),
    after: z.unknown(),
    prevHash: z.string().nullable(),
    hash: z.string().nullable().describe('SHA-256(prevHash + RFC 8785 canonical JSON of {seq, at, actor, action, subjectType, subjectId, projectId, requestId, data, before, after})'),
  });
  const AuditCheckpoint = z.object({ seq: z.number().int(), hash: z.string(), at: z.string(), keyId: z.string(), signature: z.string().describe('base64 Ed25519 over canonical JSON {at, hash, keyId, seq}') });
  const CheckpointExport = z.object({ publicKeys: z.array(z.object({ keyId: z.string(), publicKeyPem: z.string() })), checkpoints: z.array(AuditCheckpoint) });
  add('GET /api/v1/audit/events', {
    summary: 'Audit events, newest first, or the whole hash chain as JSONL',
    description:
      'Filters: `actor`, `action` (exact, or a prefix ending in "."), `project`, `from`/`to` (ISO 8601); paged by `cursor` (the previous page\'s nextCursor) and `limit` (1-200). An instance admin reads every event; others the events of projects where their role allows `audit.read` (reviewer, admin), and none elsewhere. `?format=jsonl` (instance admins only) streams the whole log, legacy events first, then the chain in seq order: what `refinery audit verify` recomputes; its `X-Refinery-Audit-Head-Seq` header is the head when the export began, so a cut download is not mistaken for a short chain. Every API response carries `X-Request-Id` (the caller\'s, when it is 1-128 characters of `[A-Za-z0-9._:-]`, else a new UUID), recorded in the events the request causes.',
    request: {
      query: z.object({
        actor: z.string().optional(),
        action: z.string().optional(),
        project: z.string().optional(),
        from: z.string().optional(),
        to: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(200).optional(),
        cursor: z.string().optional(),
        format: z.enum(['json', 'jsonl']).optional(),
      }),
    },
    responses: {
      200: {
        description: 'a page of events (json), or one event per line in export order (jsonl)',
        content: { 'application/json': { schema: z.object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() }) }, 'application/x-ndjson': { schema: AuditEvent } },
      },
      ...errors(400),
    },
  });
  add('GET /api/v1/audit/checkpoints', { summary: "The audit chain's signed checkpoints and the public key that verifies them (keep a copy elsewhere)", responses: ok(200, 'checkpoints and public keys', CheckpointExport) });
  add('POST /api/v1/audit/checkpoints', {
    summary: "Sign a checkpoint of the chain's head now (a Temporal Schedule does it daily)",
    responses: { ...ok(201, 'the checkpoint', AuditCheckpoint), ...errors(409, 503) },
  });
  add('GET /api/v1/audit/verify', {
    summary: 'The server recomputes the whole chain and checks every checkpoint (the dashboard banner); for independent proof run `refinery audit verify`',
    responses: ok(
      200,
      'the result: verified count, events before the chain, the first broken link, failed checkpoints',
      z.object({
        ok: z.boolean(),
        verified: z.number().int(),
        legacy: z.number().int(),
        head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
        firstBroken: z.object({ kind: z.enum(['gap', 'prev_hash_mismatch', 'hash_mismatch', 'malformed']), seq: z.number().int().nullable(), id: z.number().int().nullable(), detail: z.string() }).nullable(),
        checkpoints: z.object({ total: z.number().int(), failed: z.array(z.object({ seq: z.number().int(), at: z.string(), problem: z.string() })), latest: AuditCheckpoint.nullable() }),
        checkedAt: z.string(),
      }),
    ),
  });

  // OpenLineage (docs/lineage.md).
  add('GET /api/v1/openlineage/events', {
    summary: "The project's OpenLineage 2-0-2 RunEvents as JSON Lines (one event per line), streamed in the order they were emitted",
    description:
      'START and COMPLETE, FAIL or ABORT of each run (job `<run name>`) and of each of its stages (job `<run name>.<stage>`, with a parent facet naming the run); inputs and outputs are the artifacts with schema, version (sha256) and output statistics facets. Load into any OpenLineage consumer (e.g. POST each line to Marquez\'s /api/v1/lineage).',
    request: { query: OpenLineageExportQuerySchema },
    responses: { 200: { description: 'one RunEvent per line', content: { 'application/x-ndjson': { schema: z.object({}).passthrough().describe('an OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent)') } } }, ...errors(400, 404) },
  });
  add('POST /api/v1/openlineage/redeliver', {
    summary: 'Send undelivered OpenLineage events to the configured endpoint (REFINERY_OPENLINEAGE_URL) now, instead of waiting for the minute-by-minute redelivery',
    description: 'Runs one redelivery round on the pipeline worker (which holds the endpoint and its key) and answers its result; a round that takes longer than 55 s answers 202 with its workflow id. A round stops after 3 failures in a row. Audited as `openlineage.redelivered`.',
    request: jsonBody(OpenLineageRedeliverRequestSchema),
    responses: { ...ok(200, 'the round: attempted, delivered, failed, remaining', OpenLineageRedeliveryResultSchema), ...ok(202, 'still running', z.object({ workflowId: z.string(), status: z.literal('running') })), ...errors(400, 500, 503) },
  });

  return new OpenApiGeneratorV31(r.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Refinery API', version: 'v1', description: 'Fine-tune small language models on private data: runs, stages, artifacts.' },
    servers: [{ url: '/' }],
  });
}

function describeRule(rule: Rule): string {
  const tokens = rule.sessionOnly ? ' Signed-in users only (not API tokens).' : '';
  if ('action' in rule) return `a role in the project that allows \`${rule.action}\` (${ACTIONS[rule.action]}).${tokens}`;
  if (rule.allow === 'anyone') return 'anyone, no credentials needed.';
  if (rule.allow === 'instance-admin') return `instance admins.${tokens}`;
  return `any signed-in user or API token; results are limited to the caller's projects.${tokens}`;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (issues carry field paths)',
  401: 'no credentials, or an unknown, expired or revoked API token',
  403: "the caller's role does not allow this, or a cross-site write",
  404: 'not found (also for other projects: no existence leak)',
  409: 'conflict with the current state',
  500: 'server error (for downloads: the content is missing from the object store)',
  413: 'body too large',
  429: 'too many attempts, or the playground is busy; wait and try again',
  422: 'Idempotency-Key reused with a different spec',
  503: 'Temporal unavailable; retry with the same Idempotency-Key',
};
