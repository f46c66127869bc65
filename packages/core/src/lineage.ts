import { z } from 'zod';

/**
 * The lineage graph's vocabulary: how a start node is named, and what `GET /api/v1/lineage`
 * returns. Browser-safe (zod only): the dashboard and the CLI parse the same shapes.
 *
 * A start node (`node=`) is one of
 *   - an artifact's sha256 (64 hex characters, optionally `sha256:`-prefixed): every artifact
 *     with that content in the caller's projects;
 *   - an artifact id (`art_...`);
 *   - a run id (`run_...`): the run's whole graph;
 *   - a registry version `<project>/<model>@v<N>` (or `@<alias>`, e.g. `@production`).
 */
export const LINEAGE_DIRECTIONS = ['up', 'down', 'both'] as const;
export type LineageDirection = (typeof LINEAGE_DIRECTIONS)[number];

/** Steps followed from the start when `depth` is not given: more than the demo's whole chain. */
export const LINEAGE_DEFAULT_DEPTH = 20;
/** The most steps one request may follow (each step is one stage's input → output). */
export const LINEAGE_MAX_DEPTH = 50;

export type LineageRef =
  | { kind: 'sha256'; sha256: string }
  | { kind: 'artifact'; id: string }
  | { kind: 'run'; id: string }
  | { kind: 'version'; project: string; model: string; version: number }
  | { kind: 'alias'; project: string; model: string; alias: string };

const SHA256 = /^(?:sha256:)?([0-9a-f]{64})$/i;
const ARTIFACT_ID = /^art_[0-9a-z]{9}[0-9a-f]{12}$/;
const RUN_ID = /^run_[0-9a-z]{9}[0-9a-f]{12}$/;
const SLUG = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const MODEL_REF = new RegExp(`^(${SLUG})/(${SLUG})@(?:v(\\d{1,9})|(${SLUG}))$`);

export const LINEAGE_REF_HELP = 'an artifact sha256 (64 hex), an artifact id (art_...), a run id (run_...) or a registry version <project>/<model>@v<N> (or @<alias>)';

/** Parses a start node reference; null when it is none of the accepted forms. */
export function parseLineageRef(text: string): LineageRef | null {
  const ref = text.trim();
  const sha = SHA256.exec(ref);
  if (sha) return { kind: 'sha256', sha256: sha[1]!.toLowerCase() };
  if (ARTIFACT_ID.test(ref)) return { kind: 'artifact', id: ref };
  if (RUN_ID.test(ref)) return { kind: 'run', id: ref };
  const m = MODEL_REF.exec(ref);
  if (!m) return null;
  const [, project, model, version, alias] = m;
  return version ? { kind: 'version', project: project!, model: model!, version: Number(version) } : { kind: 'alias', project: project!, model: model!, alias: alias! };
}

export const LineageQuerySchema = z.object({
  node: z
    .string({ error: `name the start node: ?node=<${LINEAGE_REF_HELP}>` })
    .refine((v) => parseLineageRef(v) !== null, { message: `not a lineage start node; use ${LINEAGE_REF_HELP}` })
    .describe(`the start node: ${LINEAGE_REF_HELP}`),
  direction: z.enum(LINEAGE_DIRECTIONS).default('both').describe('up: where it came from; down: what was made from it; both'),
  depth: z.coerce
    .number()
    .int()
    .min(1)
    .max(LINEAGE_MAX_DEPTH, `depth is at most ${LINEAGE_MAX_DEPTH}`)
    .default(LINEAGE_DEFAULT_DEPTH)
    .describe(`steps to follow (one step: a stage's input to its output, or an artifact to the approval or version it led to); default ${LINEAGE_DEFAULT_DEPTH}, at most ${LINEAGE_MAX_DEPTH}`),
});
export type LineageQuery = z.infer<typeof LineageQuerySchema>;

export const LINEAGE_NODE_TYPES = ['artifact', 'stage', 'run', 'approval', 'version'] as const;
export type LineageNodeType = (typeof LINEAGE_NODE_TYPES)[number];

export const LINEAGE_EDGE_TYPES = ['consumed', 'produced', 'part_of', 'approved', 'registered'] as const;
export type LineageEdgeType = (typeof LINEAGE_EDGE_TYPES)[number];

const base = {
  id: z.string().describe('unique in the graph: artifact:<id>, stage:<run>:<stage>, run:<id>, approval:<run>, version:<id>'),
  label: z.string(),
  project: z.string(),
  href: z.string().describe('where to look at it: the artifact download, the run page (at its stage), the model page'),
  depth: z.number().int().nullable().describe('steps from the start (0: the start); null for stages and runs shown beside the path'),
};

export const LineageNodeSchema = z
  .discriminatedUnion('type', [
    z.object({ ...base, type: z.literal('artifact'), artifactId: z.string(), kind: z.string(), sha256: z.string(), bytes: z.number(), runId: z.string(), stage: z.string() }),
    z.object({ ...base, type: z.literal('stage'), runId: z.string(), stage: z.string(), status: z.string(), attempts: z.number().int() }),
    z.object({ ...base, type: z.literal('run'), runId: z.string(), name: z.string(), status: z.string() }),
    z.object({
      ...base,
      type: z.literal('approval'),
      runId: z.string(),
      outcome: z.string(),
      evidenceSha256: z.string().nullable(),
      decisions: z.array(z.object({ decision: z.string(), actor: z.string(), comment: z.string(), at: z.string() })),
    }),
    z.object({ ...base, type: z.literal('version'), versionId: z.string(), model: z.string(), version: z.number().int(), runId: z.string(), aliases: z.array(z.string()) }),
  ])
  .meta({ id: 'LineageNode' });
export type LineageNode = z.infer<typeof LineageNodeSchema>;

export const LineageEdgeSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    type: z.enum(LINEAGE_EDGE_TYPES).describe('consumed: artifact → stage; produced: stage → artifact or version; part_of: stage → run; approved: evidence → approval → version; registered: artifact → version'),
    relation: z.string().nullable().describe('what the stage recorded (e.g. trained_on, quantized_from), for consumed edges'),
  })
  .meta({ id: 'LineageEdge' });
export type LineageEdge = z.infer<typeof LineageEdgeSchema>;

export const LineageGraphSchema = z
  .object({
    start: z.array(z.string()).describe('ids of the start nodes (an artifact sha256 may name several)'),
    direction: z.enum(LINEAGE_DIRECTIONS),
    depth: z.number().int(),
    nodes: z.array(LineageNodeSchema),
    edges: z.array(LineageEdgeSchema),
  })
  .meta({ id: 'LineageGraph' });
export type LineageGraph = z.infer<typeof LineageGraphSchema>;

/** The first characters of a sha256, as the dashboard and CLI show it. */
export const shortSha = (sha256: string) => sha256.slice(0, 12);
