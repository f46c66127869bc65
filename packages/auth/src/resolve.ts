import { isProjectRole } from '@refinery/core';
import { findApiTokenByHash, getUser, membershipsOf, touchApiToken, type Db } from '@refinery/db';
import type { Auth } from './auth';
import { tokenStillValid, type Principal } from './principal';
import { hashToken, looksLikeToken } from './tokens';

export type Resolved = { ok: true; principal: Principal } | { ok: false; reason: 'no_credentials' | 'invalid_token' | 'expired_token' | 'revoked_token'; message: string; tokenId?: string };

/**
 * Resolves the caller of a request: a Bearer API token when one is sent (a bad token is an
 * error, never a silent fall-back to the cookie), otherwise the session cookie.
 */
export async function resolvePrincipal(auth: Auth, db: Db, headers: Headers): Promise<Resolved> {
  const authorization = headers.get('authorization');
  if (authorization) return resolveToken(db, authorization);
  const session = await auth.api.getSession({ headers });
  if (!session) return { ok: false, reason: 'no_credentials', message: 'sign in, or send an API token as "Authorization: Bearer rfy_..."' };
  const user = await getUser(db, session.user.id);
  if (!user) return { ok: false, reason: 'no_credentials', message: 'your session belongs to an account that no longer exists; sign in again' };
  return {
    ok: true,
    principal: { kind: 'user', userId: user.id, email: user.email, name: user.name, instanceAdmin: user.instanceAdmin, memberships: await membershipsOf(db, user.id) },
  };
}

async function resolveToken(db: Db, authorization: string): Promise<Resolved> {
  const [scheme, value] = authorization.split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'bearer' || !value || !looksLikeToken(value)) {
    return { ok: false, reason: 'invalid_token', message: 'the Authorization header must be "Bearer rfy_<43 characters>" (an API token from the dashboard or `refinery tokens create`)' };
  }
  const row = await findApiTokenByHash(db, hashToken(value));
  if (!row) return { ok: false, reason: 'invalid_token', message: `the API token ${value.slice(0, 8)}… is not known; create a new one` };
  if (row.revokedAt) return { ok: false, reason: 'revoked_token', message: `the API token "${row.name}" (${row.displayPrefix}…) was revoked on ${row.revokedAt.toISOString()}; create a new one`, tokenId: row.id };
  if (row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired_token', message: `the API token "${row.name}" (${row.displayPrefix}…) expired on ${row.expiresAt.toISOString()}; create a new one`, tokenId: row.id };
  const creator = await getUser(db, row.userId);
  const creatorRole = creator?.instanceAdmin ? 'admin' : ((await membershipsOf(db, row.userId)).get(row.projectId) ?? null);
  if (!isProjectRole(row.role) || !tokenStillValid(row.role, creatorRole)) {
    return { ok: false, reason: 'invalid_token', message: `the API token "${row.name}" no longer works: its creator no longer holds the ${row.role} role in project ${row.projectId}`, tokenId: row.id };
  }
  await touchApiToken(db, row);
  return { ok: true, principal: { kind: 'token', tokenId: row.id, userId: row.userId, projectId: row.projectId, role: row.role } };
}
