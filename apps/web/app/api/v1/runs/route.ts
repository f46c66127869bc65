import { serverContext } from '@/lib/server/context';
import { json, readText, route } from '@/lib/server/http';
import { listRunsQuery, parseSpecBody, submitRun } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

/** Submit a run: RunSpec as JSON or YAML; `Idempotency-Key` makes retries safe. */
export const POST = route(async (req: Request) => {
  const ctx = await serverContext();
  const spec = parseSpecBody(await readText(req), req.headers.get('content-type'));
  const { run, created } = await submitRun(ctx, spec, req.headers.get('idempotency-key'), 'api');
  return json(run, created ? 201 : 200, { Location: `/api/v1/runs/${run.id}` });
});

/** List runs, newest first: ?project=&status=&limit=&cursor= */
export const GET = route(async (req: Request) => {
  const ctx = await serverContext();
  return json(await listRunsQuery(ctx, new URL(req.url).searchParams));
});
