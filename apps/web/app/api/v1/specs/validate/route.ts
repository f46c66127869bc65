import { serverContext } from '@/lib/server/context';
import { HttpError, json, readText, route } from '@/lib/server/http';
import { checkSpecSources, parseSpecBody } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

/** Validates a RunSpec without submitting it (the dashboard's editor uses this). */
export const POST = route(async (req: Request) => {
  try {
    const spec = parseSpecBody(await readText(req), req.headers.get('content-type'));
    await checkSpecSources(await serverContext(), spec);
    return json({ valid: true, issues: [] });
  } catch (err) {
    if (err instanceof HttpError && err.code === 'invalid_spec') return json({ valid: false, issues: err.issues ?? [] });
    throw err;
  }
});
