import { json, route } from '@/lib/server/http';
import { buildOpenApiDocument } from '@/lib/server/openapi';

export const dynamic = 'force-static';

export const GET = route(async () => json(buildOpenApiDocument()));
