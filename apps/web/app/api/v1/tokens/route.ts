import { CreateTokenSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { createToken, tokensFor } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** The caller's tokens, and all tokens of projects where they manage tokens. Never the secret. */
export const GET = route('GET /api/v1/tokens', async ({ server, principal }) => json({ tokens: await tokensFor(server, principal) }));

/** Creates a token for one project with a role within the caller's own; the secret is in this response only. */
export const POST = route('POST /api/v1/tokens', async ({ req, server, principal, actor, authorize }) => {
  const body = await readJson(req, CreateTokenSchema);
  authorize(body.project);
  return json(await createToken(server, principal, actor, body), 201);
});
