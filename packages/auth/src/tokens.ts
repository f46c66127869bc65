import { createHash, randomBytes } from 'node:crypto';
import { API_TOKEN_PATTERN, API_TOKEN_PREFIX, type ProjectRole } from '@refinery/core';
import { insertApiToken, newId, type Db } from '@refinery/db';

/**
 * API tokens: 256 random bits behind the `rfy_` prefix. Only the sha256 is stored; a token is
 * long and random, so a fast hash is the right one (a slow password hash protects guessable
 * secrets; nothing here is guessable) and lookups stay one indexed query.
 */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const looksLikeToken = (value: string) => API_TOKEN_PATTERN.test(value);

export const MAX_TOKEN_DAYS = 365;

export async function issueToken(db: Db, t: { userId: string; projectId: string; role: ProjectRole; name: string; expiresInDays: number }) {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await insertApiToken(db, {
    id: newId('tok'),
    name: t.name,
    projectId: t.projectId,
    userId: t.userId,
    role: t.role,
    displayPrefix: token.slice(0, 8),
    tokenSha256: hashToken(token),
    expiresAt: new Date(Date.now() + t.expiresInDays * 86_400_000),
  });
  return { token, row };
}
