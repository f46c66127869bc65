import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ApiErrorSchema,
  HealthSchema,
  MetricsResponseSchema,
  RunDetailSchema,
  RunListSchema,
  RUN_STATUSES,
  RunSpecObjectSchema,
  RunSummarySchema,
  STAGE_DEFINITIONS,
  STAGES,
  StageExecutionSchema,
  UploadResultSchema,
  type StageName,
} from '@refinery/core';

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

  r.registerPath({
    method: 'post',
    path: '/api/v1/runs',
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
  r.registerPath({
    method: 'get',
    path: '/api/v1/runs',
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
  r.registerPath({
    method: 'get',
    path: '/api/v1/runs/{id}',
    summary: 'A run with its spec, stage timeline and artifacts',
    request: { params: idParam },
    responses: { 200: { description: 'the run', content: { 'application/json': { schema: RunDetail } } }, ...errors(404) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/v1/runs/{id}/cancel',
    summary: 'Cancel a run; the running stage is stopped and the run ends `cancelled`',
    request: { params: idParam },
    responses: { 202: { description: 'cancellation requested', content: { 'application/json': { schema: RunDetail } } }, ...errors(404, 409) },
  });
  r.registerPath({
    method: 'get',
    path: '/api/v1/runs/{id}/metrics',
    summary: 'Training progress points (loss, learning rate, tokens/s, ETA) and eval losses',
    request: { params: idParam, query: z.object({ afterStep: z.number().int().optional().describe('only points after this step (incremental polling)') }) },
    responses: { 200: { description: 'points in step order', content: { 'application/json': { schema: MetricsResponseSchema } } }, ...errors(400, 404) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/v1/specs/validate',
    summary: 'Validate a RunSpec without submitting it',
    request: { body: { content: { 'application/json': { schema: RunSpec }, 'application/yaml': { schema: RunSpec } } } },
    responses: {
      200: {
        description: 'validation result',
        content: { 'application/json': { schema: z.object({ valid: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }) } },
      },
    },
  });
  r.registerPath({
    method: 'post',
    path: '/api/v1/uploads',
    summary: 'Upload a dataset (streamed into the object store); use the returned uri as dataset.uri',
    request: { body: { content: { 'application/octet-stream': { schema: z.string().describe('file bytes') } } } },
    responses: { 201: { description: 'stored', content: { 'application/json': { schema: UploadResultSchema } } }, ...errors(400, 413) },
  });
  r.registerPath({
    method: 'get',
    path: '/api/v1/health',
    summary: 'Postgres, Temporal and worker status',
    responses: {
      200: { description: 'all healthy', content: { 'application/json': { schema: HealthSchema } } },
      503: { description: 'degraded', content: { 'application/json': { schema: HealthSchema } } },
    },
  });

  return new OpenApiGeneratorV31(r.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Refinery API', version: 'v1', description: 'Fine-tune small language models on private data: runs, stages, artifacts.' },
    servers: [{ url: '/' }],
  });
}

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (issues carry field paths)',
  404: 'not found',
  409: 'conflict with the current state',
  413: 'body too large',
  422: 'Idempotency-Key reused with a different spec',
  503: 'Temporal unavailable; retry with the same Idempotency-Key',
};
