import { ChangeMemberSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { changeMember, dropMember } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

export const PATCH = route('PATCH /api/v1/projects/{project}/members/{userId}', async ({ req, server, params, actor }) =>
  json(await changeMember(server, actor, params.project, params.userId, (await readJson(req, ChangeMemberSchema)).role)),
);

export const DELETE = route('DELETE /api/v1/projects/{project}/members/{userId}', async ({ server, params, actor }) => {
  await dropMember(server, actor, params.project, params.userId);
  return new Response(null, { status: 204 });
});
