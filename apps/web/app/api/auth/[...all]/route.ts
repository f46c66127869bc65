import { toNextJsHandler } from 'better-auth/next-js';
import { serverContext } from '@/lib/server/context';

export const dynamic = 'force-dynamic';

/**
 * better-auth's own endpoints: sign-in (password and SSO), sign-out, session. Rate-limited and
 * origin-checked by the library; the /api/v1 routes never go through here.
 */
const handler = async (req: Request) => toNextJsHandler((await serverContext()).auth).POST(req);
const getHandler = async (req: Request) => toNextJsHandler((await serverContext()).auth).GET(req);
export { handler as POST, getHandler as GET };
