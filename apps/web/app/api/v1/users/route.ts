import { CreateUserSchema } from '@refinery/core';
import { json, readJson } from '@/lib/server/http';
import { newUser } from '@/lib/server/identity-service';
import { route } from '@/lib/server/route';

export const dynamic = 'force-dynamic';

/** Instance admins create email + password accounts (sign-up is closed; SSO users appear at first sign-in). */
export const POST = route('POST /api/v1/users', async ({ req, server, actor }) => json(await newUser(server, actor, await readJson(req, CreateUserSchema)), 201));
