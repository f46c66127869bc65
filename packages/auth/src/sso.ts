import { isProjectRole, type ProjectRole } from '@refinery/core';

/** What an SSO provider group grants: a role in one project, or instance administration. */
export type Grant = { projectId: string; role: ProjectRole } | { instanceAdmin: true };

export class GroupRolesError extends Error {}

/**
 * Parses REFINERY_OIDC_GROUP_ROLES: a JSON object from provider group to grants, each
 * "<project>:<role>" or "instance_admin", e.g. {"ml-team": ["demo:ml_engineer"]}.
 */
export function parseGroupRoles(text: string | undefined): Map<string, Grant[]> {
  const map = new Map<string, Grant[]>();
  if (!text) return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GroupRolesError(`REFINERY_OIDC_GROUP_ROLES is not valid JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new GroupRolesError('REFINERY_OIDC_GROUP_ROLES must be a JSON object: {"<group>": ["<project>:<role>" | "instance_admin"]}');
  for (const [group, grants] of Object.entries(parsed)) {
    if (!Array.isArray(grants)) throw new GroupRolesError(`REFINERY_OIDC_GROUP_ROLES["${group}"] must be an array of "<project>:<role>" or "instance_admin"`);
    map.set(
      group,
      grants.map((g: unknown) => {
        if (g === 'instance_admin') return { instanceAdmin: true } as const;
        const [projectId, role, extra] = typeof g === 'string' ? g.split(':') : [];
        if (!projectId || !isProjectRole(role) || extra !== undefined) {
          throw new GroupRolesError(`REFINERY_OIDC_GROUP_ROLES["${group}"] has "${String(g)}"; use "<project>:<viewer|reviewer|ml_engineer|admin>" or "instance_admin"`);
        }
        return { projectId, role };
      }),
    );
  }
  return map;
}

/** The project roles and instance-admin flag a user's groups grant (the strongest role wins per project). */
export function grantsForGroups(groups: readonly string[], mapping: Map<string, Grant[]>) {
  const rank = (r: ProjectRole) => ['viewer', 'reviewer', 'ml_engineer', 'admin'].indexOf(r);
  const roles = new Map<string, ProjectRole>();
  let instanceAdmin = false;
  for (const group of groups) {
    for (const grant of mapping.get(group) ?? []) {
      if ('instanceAdmin' in grant) instanceAdmin = true;
      else if (!roles.has(grant.projectId) || rank(grant.role) > rank(roles.get(grant.projectId)!)) roles.set(grant.projectId, grant.role);
    }
  }
  return { instanceAdmin, memberships: [...roles].map(([projectId, role]) => ({ projectId, role })) };
}

/** The groups claim as a list of strings, whatever shape the provider sent. */
export function groupsFromClaims(claims: Record<string, unknown>): string[] {
  const raw = claims.groups ?? claims.roles;
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string');
  if (typeof raw === 'string') return raw.split(/[,\s]+/).filter(Boolean);
  return [];
}
