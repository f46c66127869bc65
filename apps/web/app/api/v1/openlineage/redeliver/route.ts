import { OpenLineageRedeliverRequestSchema } from '@refinery/core';
import { HttpError, json, parseJsonBody, readText } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { redeliverNow } from '@/lib/server/openlineage-service';

export const dynamic = 'force-dynamic';

/** Instance admins: send undelivered OpenLineage events to the configured endpoint now. */
export const POST = route('POST /api/v1/openlineage/redeliver', async ({ req, server, actor }) => {
  const text = await readText(req);
  const parsed = OpenLineageRedeliverRequestSchema.safeParse(text.trim() ? parseJsonBody(text) : {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new HttpError(400, 'invalid_body', `the request body is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const { status, body } = await redeliverNow(server, actor, parsed.data);
  return json(body, status);
});
