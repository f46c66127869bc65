import { HttpError, json, readText } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { checkSpecSources, parseSpecBody } from '@/lib/server/runs-service';

export const dynamic = 'force-dynamic';

/** Validates a RunSpec without submitting it (the dashboard's editor uses this). */
export const POST = route('POST /api/v1/specs/validate', async ({ req, server }) => {
  try {
    const spec = parseSpecBody(await readText(req), req.headers.get('content-type'));
    await checkSpecSources(server, spec);
    return json({ valid: true, issues: [] });
  } catch (err) {
    if (err instanceof HttpError && err.code === 'invalid_spec') return json({ valid: false, issues: err.issues ?? [] });
    throw err;
  }
});
