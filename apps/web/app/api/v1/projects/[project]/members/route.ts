import { listMembers } from '@refinery/db';
import { AddMemberSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { addMember } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

export const GET = route('GET /api/v1/projects/{project}/members', async ({ server, params }) => json({ members: await listMembers(server.database.db, params.project) }));

/** Adds an existing account to the project (or changes its role) by email. */
export const POST = route('POST /api/v1/projects/{project}/members', async ({ req, server, params, actor }) => json(await addMember(server, actor, params.project, await readJson(req, AddMemberSchema)), 201));
