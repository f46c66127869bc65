import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ProjectRole } from '@refinery/core';
import type { Db } from './client';
import { apiTokens, artifacts, projectMembers, projects, runs, uploads, users } from './schema';

/** Projects, members, API tokens and uploads: the rows authorization reads. */

export type UserRow = typeof users.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function projectExists(db: Db, id: string): Promise<boolean> {
  const [row] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, id));
  return Boolean(row);
}

/** Creates the project if it does not exist; returns whether it did now. */
export async function createProject(db: Db, p: { id: string; name?: string; description?: string }): Promise<boolean> {
  const rows = await db
    .insert(projects)
    .values({ id: p.id, name: p.name ?? p.id, description: p.description ?? null })
    .onConflictDoNothing()
    .returning({ id: projects.id });
  return rows.length > 0;
}

export async function listProjects(db: Db, only: readonly string[] | 'all') {
  if (only !== 'all' && only.length === 0) return [];
  return db
    .select({ id: projects.id, name: projects.name, description: projects.description, createdAt: projects.createdAt })
    .from(projects)
    .where(only === 'all' ? undefined : inArray(projects.id, [...only]))
    .orderBy(asc(projects.id));
}

export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function getUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return row;
}

export async function setInstanceAdmin(db: Db, userId: string, instanceAdmin: boolean): Promise<void> {
  await db.update(users).set({ instanceAdmin }).where(eq(users.id, userId));
}

/** project id → role, for every project the user is a member of. */
export async function membershipsOf(db: Db, userId: string): Promise<Map<string, ProjectRole>> {
  const rows = await db.select({ projectId: projectMembers.projectId, role: projectMembers.role }).from(projectMembers).where(eq(projectMembers.userId, userId));
  return new Map(rows.map((r) => [r.projectId, r.role as ProjectRole]));
}

export async function listMembers(db: Db, projectId: string) {
  const rows = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: projectMembers.role, source: projectMembers.source, addedAt: projectMembers.createdAt })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(users.email));
  return rows.map((r) => ({ ...r, role: r.role as ProjectRole, addedAt: r.addedAt.toISOString() }));
}

/** Adds the member or changes their role. */
export async function setMember(db: Db, m: { projectId: string; userId: string; role: ProjectRole; source?: 'manual' | 'sso' }): Promise<void> {
  await db
    .insert(projectMembers)
    .values({ projectId: m.projectId, userId: m.userId, role: m.role, source: m.source ?? 'manual' })
    .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role: m.role, source: m.source ?? 'manual' } });
}

export async function removeMember(db: Db, projectId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .returning({ userId: projectMembers.userId });
  return rows.length > 0;
}

export async function countAdmins(db: Db, projectId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'admin')));
  return row?.n ?? 0;
}

/**
 * Replaces the user's SSO-granted memberships with `grants` (from their provider groups).
 * Memberships an admin added by hand are left alone.
 */
export async function syncSsoMemberships(db: Db, userId: string, grants: { projectId: string; role: ProjectRole }[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(projectMembers).where(and(eq(projectMembers.userId, userId), eq(projectMembers.source, 'sso')));
    const manual = await tx.select({ projectId: projectMembers.projectId }).from(projectMembers).where(eq(projectMembers.userId, userId));
    const keep = new Set(manual.map((m) => m.projectId));
    const fresh = grants.filter((g) => !keep.has(g.projectId));
    const existing = new Set((await tx.select({ id: projects.id }).from(projects)).map((p) => p.id));
    const rows = fresh.filter((g) => existing.has(g.projectId)).map((g) => ({ projectId: g.projectId, userId, role: g.role, source: 'sso' }));
    if (rows.length) await tx.insert(projectMembers).values(rows).onConflictDoNothing();
  });
}

// ── API tokens ─────────────────────────────────────────────────────────────────────────────

export async function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert): Promise<ApiTokenRow> {
  const [inserted] = await db.insert(apiTokens).values(row).returning();
  return inserted!;
}

export async function findApiTokenByHash(db: Db, tokenSha256: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenSha256, tokenSha256));
  return row;
}

export async function getApiToken(db: Db, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

/** Tokens the caller may see: their own, plus all of the given projects' (where they manage tokens). */
export async function listApiTokens(db: Db, q: { userId: string; manageProjects: readonly string[] | 'all' }) {
  const rows = await db
    .select({ token: apiTokens, ownerEmail: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .orderBy(asc(apiTokens.createdAt));
  return rows.filter((r) => r.token.userId === q.userId || q.manageProjects === 'all' || q.manageProjects.includes(r.token.projectId));
}

const LAST_USE_RESOLUTION_S = 60;

/**
 * Records use at most once a minute per token, so a busy client does not write on every call:
 * the row as just read decides (no round trip at all while it is fresh), the update's condition
 * keeps concurrent requests from writing it twice.
 */
export async function touchApiToken(db: Db, token: Pick<ApiTokenRow, 'id' | 'lastUsedAt'>): Promise<void> {
  if (token.lastUsedAt && Date.now() - token.lastUsedAt.getTime() < LAST_USE_RESOLUTION_S * 1000) return;
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, token.id), sql`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - make_interval(secs => ${LAST_USE_RESOLUTION_S}))`));
}

/** Revokes the token; the revoked row, or undefined when it was already revoked. */
export async function revokeApiToken(db: Db, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning();
  return row;
}

// ── Uploads ────────────────────────────────────────────────────────────────────────────────

export async function recordUpload(db: Db, u: { projectId: string; sha256: string; bytes: number; uploadedBy: string }): Promise<void> {
  await db.insert(uploads).values(u).onConflictDoNothing();
}

export async function uploadBelongsTo(db: Db, projectId: string, sha256: string): Promise<boolean> {
  const [row] = await db.select({ sha256: uploads.sha256 }).from(uploads).where(and(eq(uploads.projectId, projectId), eq(uploads.sha256, sha256)));
  return Boolean(row);
}

/** Whether a run of this project may read the object: uploaded to the project or produced by one of its runs. */
export async function objectVisibleTo(db: Db, projectId: string, sha256: string): Promise<boolean> {
  if (await uploadBelongsTo(db, projectId, sha256)) return true;
  const [row] = await db
    .select({ id: artifacts.id })
    .from(artifacts)
    .innerJoin(runs, eq(runs.id, artifacts.runId))
    .where(and(eq(artifacts.sha256, sha256), eq(runs.projectId, projectId)))
    .limit(1);
  return Boolean(row);
}
