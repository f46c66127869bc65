import { personOf, visibleProjects } from '@refinery/auth';
import { json, readText } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { listRunsQuery, parseSpecBody, submitRun } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

/** Submit a run: RunSpec as JSON or YAML; `Idempotency-Key` makes retries safe. */
export const POST = route('POST /api/v1/runs', async ({ req, server, actor, principal, authorize }) => {
  const spec = parseSpecBody(await readText(req), req.headers.get('content-type'));
  authorize(spec.project);
  const { run, created } = await submitRun(server, spec, req.headers.get('idempotency-key'), actor, personOf(principal));
  return json(run, created ? 201 : 200, { Location: `/api/v1/runs/${run.id}` });
});

/** List runs of the caller's projects, newest first: ?project=&status=&limit=&cursor= */
export const GET = route('GET /api/v1/runs', async ({ req, server, principal }) => json(await listRunsQuery(server, new URL(req.url).searchParams, visibleProjects(principal))));
