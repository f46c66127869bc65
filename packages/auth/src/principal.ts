import { can, roleWithin, type Action, type ProjectRole } from '@refinery/core';

/** Who is calling, resolved once per request from a session cookie or a Bearer API token. */
export type Principal =
  | { kind: 'user'; userId: string; email: string; name: string; instanceAdmin: boolean; memberships: Map<string, ProjectRole> }
  | { kind: 'token'; tokenId: string; userId: string; projectId: string; role: ProjectRole };

/** The audit actor: `user:<id>` or `token:<id>`. */
export const actorOf = (p: Principal) => (p.kind === 'user' ? `user:${p.userId}` : `token:${p.tokenId}`);

/** The person behind the caller, `user:<id>`: a token acts for its creator (separation of duties compares people). */
export const personOf = (p: Principal) => `user:${p.userId}`;

/** The caller's role in a project, or null when they are not in it (instance admins are admin everywhere). */
export function roleIn(p: Principal, projectId: string): ProjectRole | null {
  if (p.kind === 'token') return p.projectId === projectId ? p.role : null;
  if (p.instanceAdmin) return 'admin';
  return p.memberships.get(projectId) ?? null;
}

export const mayIn = (p: Principal, projectId: string, action: Action) => can(roleIn(p, projectId), action);

/** Projects where the caller may do `action` (for filtering lists). */
export function projectsAllowing(p: Principal, action: Action): readonly string[] | 'all' {
  if (p.kind === 'user' && p.instanceAdmin) return 'all';
  const roles: [string, ProjectRole][] = p.kind === 'token' ? [[p.projectId, p.role]] : [...p.memberships];
  return roles.filter(([, role]) => can(role, action)).map(([id]) => id);
}

/** Projects whose runs the caller may read. */
export const visibleProjects = (p: Principal) => projectsAllowing(p, 'run.read');

/**
 * A token acts with its own role, but never beyond what its creator may still do: a creator
 * removed from the project, or demoted below the token's role, disables the token.
 */
export function tokenStillValid(tokenRole: ProjectRole, creatorRole: ProjectRole | null): boolean {
  return creatorRole !== null && roleWithin(tokenRole, creatorRole);
}
