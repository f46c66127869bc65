import { ProjectQuotaLimitsSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { getProjectQuota, setProjectQuota } from '@/lib/server/quota-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** The project's limits on concurrent runs and GPU slots per pool, and the runs waiting under them. */
export const GET = route('GET /api/v1/projects/{project}/quotas', async ({ server, params }) => json(await getProjectQuota(server, params.project)));

/** Instance admins: replace the project's limits; waiting runs are let through at once when a limit rises. */
export const PUT = route('PUT /api/v1/projects/{project}/quotas', async ({ req, server, params, actor }) => json(await setProjectQuota(server, actor, params.project, await readJson(req, ProjectQuotaLimitsSchema))));
