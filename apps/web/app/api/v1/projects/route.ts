import { CreateProjectSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { newProject, projectsFor } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** The caller's projects (an instance admin sees all). */
export const GET = route('GET /api/v1/projects', async ({ server, principal }) => json({ projects: await projectsFor(server, principal) }));

/** Instance admins create projects and become their first admin. */
export const POST = route('POST /api/v1/projects', async ({ req, server, principal, actor }) => json(await newProject(server, principal, actor, await readJson(req, CreateProjectSchema)), 201));
