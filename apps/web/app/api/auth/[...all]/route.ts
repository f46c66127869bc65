import { toNextJsHandler } from 'better-auth/next-js';
import { serverContext } from '@/lib/server/context';

export const dynamic = 'force-dynamic';

/**
 * better-auth's own endpoints: sign-in (password and SSO), sign-out, session. Rate-limited and
 * origin-checked by the library; the /api/v1 routes never go through here.
 */
let handlers: Promise<ReturnType<typeof toNextJsHandler>> | undefined;
const auth = () =>
  (handlers ??= serverContext()
    .then((ctx) => toNextJsHandler(ctx.auth))
    .catch((err) => {
      handlers = undefined; // a configuration fixed later is picked up on the next request
      throw err;
    }));

export const GET = async (req: Request) => (await auth()).GET(req);
export const POST = async (req: Request) => (await auth()).POST(req);
