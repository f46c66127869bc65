import { json } from '@/lib/server/http';
import { route } from '@/lib/server/route';
import { buildOpenApiDocument } from '@/lib/server/openapi';

export const dynamic = 'force-static';

export const GET = route('GET /api/v1/openapi.json', async () => json(buildOpenApiDocument()));
