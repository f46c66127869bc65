import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AccountExistsError, createPasswordAccount, issueToken, projectsAllowing, roleIn, ssoEnabled, visibleProjects, type Principal } from '@refinery/auth';
import type { z } from 'zod';
import { ACTIONS, can, roleWithin, type Action, type ApiToken, type CreatedToken, type CreateTokenSchema, type Me, type ProjectRole } from '@refinery/core';
import {
  audit,
  countAdmins,
  createProject,
  getApiToken,
  getUser,
  getUserByEmail,
  listApiTokens,
  listMembers,
  listProjects,
  removeMember,
  revokeApiToken,
  setMember,
  type ApiTokenRow,
} from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function describeCaller(server: ServerContext, principal: Principal, actor: string): Promise<Me> {
  const user = await getUser(server.database.db, principal.userId);
  if (!user) throw new HttpError(401, 'unauthenticated', 'the account behind these credentials no longer exists');
  const projects = await projectsFor(server, principal);
  return {
    kind: principal.kind,
    actor,
    user: { id: user.id, email: user.email, name: user.name, instanceAdmin: user.instanceAdmin },
    token: principal.kind === 'token' ? { id: principal.tokenId, project: principal.projectId, role: principal.role } : null,
    projects: projects.map((p) => {
      const role = roleIn(principal, p.id)!;
      return { id: p.id, name: p.name, role, actions: (Object.keys(ACTIONS) as Action[]).filter((a) => can(role, a)) };
    }),
    sso: { enabled: ssoEnabled(server.config) },
  };
}

/** The caller's projects: every role may read its project, so these are the ones it can see. */
export async function projectsFor(server: ServerContext, principal: Principal) {
  return (await listProjects(server.database.db, visibleProjects(principal))).map((p) => ({ ...p, createdAt: p.createdAt.toISOString() }));
}

/** An instance admin creates a project and becomes its first admin. */
export async function newProject(server: ServerContext, principal: Principal, actor: string, p: { id: string; name?: string; description?: string }) {
  const db = server.database.db;
  if (!(await createProject(db, p))) throw new HttpError(409, 'already_exists', `a project with the id "${p.id}" already exists`);
  await setMember(db, { projectId: p.id, userId: principal.userId, role: 'admin' });
  await audit(db, { actor, action: 'project.created', subjectType: 'project', subjectId: p.id, projectId: p.id, after: { name: p.name ?? null, description: p.description ?? null } });
  return (await projectsFor(server, principal)).find((x) => x.id === p.id)!;
}

export async function addMember(server: ServerContext, actor: string, projectId: string, m: { email: string; role: ProjectRole }) {
  const db = server.database.db;
  const user = await getUserByEmail(db, m.email);
  if (!user) throw new HttpError(404, 'user_not_found', `no account with the email ${m.email}; an instance admin creates accounts (POST /api/v1/users), or the person signs in once with SSO`);
  await setMember(db, { projectId, userId: user.id, role: m.role });
  await audit(db, { actor, action: 'member.added', subjectType: 'project', subjectId: projectId, projectId, data: { userId: user.id, role: m.role }, before: null, after: { userId: user.id, role: m.role } });
  return (await listMembers(db, projectId)).find((x) => x.userId === user.id)!;
}

export async function changeMember(server: ServerContext, actor: string, projectId: string, userId: string, role: ProjectRole) {
  const db = server.database.db;
  const current = (await listMembers(db, projectId)).find((x) => x.userId === userId);
  if (!current) throw new HttpError(404, 'not_found', `no member "${userId}" in project ${projectId}`);
  if (current.role === 'admin' && role !== 'admin') await keepOneAdmin(server, projectId);
  await setMember(db, { projectId, userId, role });
  await audit(db, { actor, action: 'member.role_changed', subjectType: 'project', subjectId: projectId, projectId, data: { userId, from: current.role, to: role }, before: { userId, role: current.role }, after: { userId, role } });
  return { ...current, role, source: 'manual' as const };
}

export async function dropMember(server: ServerContext, actor: string, projectId: string, userId: string) {
  const db = server.database.db;
  const current = (await listMembers(db, projectId)).find((x) => x.userId === userId);
  if (!current) throw new HttpError(404, 'not_found', `no member "${userId}" in project ${projectId}`);
  if (current.role === 'admin') await keepOneAdmin(server, projectId);
  await removeMember(db, projectId, userId);
  await audit(db, { actor, action: 'member.removed', subjectType: 'project', subjectId: projectId, projectId, data: { userId }, before: { userId, role: current.role }, after: null });
}

async function keepOneAdmin(server: ServerContext, projectId: string) {
  if ((await countAdmins(server.database.db, projectId)) <= 1) {
    throw new HttpError(409, 'last_admin', `project ${projectId} must keep at least one admin; make someone else admin first`);
  }
}

// ── Tokens ─────────────────────────────────────────────────────────────────────────────────

const toApiToken = (t: ApiTokenRow, owner: string): ApiToken => ({
  id: t.id,
  name: t.name,
  project: t.projectId,
  role: t.role as ProjectRole,
  owner,
  prefix: t.displayPrefix,
  expiresAt: t.expiresAt.toISOString(),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
  createdAt: t.createdAt.toISOString(),
});

// Token creations per user and minute: a stolen session cannot mint tokens in bulk.
const tokenCreations = new RateLimiterMemory({ points: 10, duration: 60 });

export async function createToken(server: ServerContext, principal: Principal, actor: string, req: z.output<typeof CreateTokenSchema>): Promise<CreatedToken> {
  const own = roleIn(principal, req.project)!;
  if (!roleWithin(req.role, own)) {
    throw new HttpError(403, 'role_too_high', `a token's role must be within your own: you are ${own} in project ${req.project}, which does not include everything ${req.role} may do`);
  }
  if (await tokenCreations.consume(principal.userId).then(() => false, () => true)) {
    throw new HttpError(429, 'too_many_attempts', 'you created 10 tokens in the last minute; wait a minute');
  }
  const user = (await getUser(server.database.db, principal.userId))!;
  const { token, row } = await issueToken(server.database.db, { userId: principal.userId, projectId: req.project, role: req.role, name: req.name, expiresInDays: req.expiresInDays });
  await audit(server.database.db, { actor, action: 'token.created', subjectType: 'api_token', subjectId: row.id, projectId: req.project, data: { project: req.project, role: req.role, expiresAt: row.expiresAt.toISOString() } });
  return { ...toApiToken(row, user.email), token };
}

/** The caller's own tokens, plus every token of the projects where they manage tokens. */
export async function tokensFor(server: ServerContext, principal: Principal): Promise<ApiToken[]> {
  const rows = await listApiTokens(server.database.db, { userId: principal.userId, manageProjects: projectsAllowing(principal, 'tokens.manage') });
  const scoped = principal.kind === 'token' ? rows.filter((r) => r.token.projectId === principal.projectId) : rows;
  return scoped.map((r) => toApiToken(r.token, r.ownerEmail)).reverse();
}

export async function revokeToken(server: ServerContext, principal: Principal, actor: string, id: string): Promise<ApiToken> {
  const db = server.database.db;
  const row = await getApiToken(db, id);
  const mayManage = row && can(roleIn(principal, row.projectId), 'tokens.manage');
  const isOwn = row && row.userId === principal.userId && roleIn(principal, row.projectId) !== null;
  if (!row || !(mayManage || isOwn)) throw new HttpError(404, 'not_found', `no API token "${id}"`);
  const revoked = await revokeApiToken(db, id);
  if (!revoked) throw new HttpError(409, 'already_revoked', `the API token "${row.name}" was already revoked on ${row.revokedAt?.toISOString()}`);
  await audit(db, { actor, action: 'token.revoked', subjectType: 'api_token', subjectId: id, projectId: row.projectId, data: { project: row.projectId } });
  return toApiToken(revoked, (await getUser(db, row.userId))!.email);
}

export async function newUser(server: ServerContext, actor: string, u: { email: string; name: string; password: string; instanceAdmin: boolean }) {
  try {
    const user = await createPasswordAccount(server.auth, server.database.db, u);
    await audit(server.database.db, { actor, action: 'user.created', subjectType: 'user', subjectId: user.id, data: { instanceAdmin: u.instanceAdmin } });
    return user;
  } catch (err) {
    if (err instanceof AccountExistsError) throw new HttpError(409, 'already_exists', err.message);
    if (err instanceof RangeError) throw new HttpError(400, 'invalid_body', err.message);
    throw err;
  }
}
