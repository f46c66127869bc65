/**
 * Who may do what, in one place. Every API route names one of these actions (or says it is open
 * to anyone / any signed-in user); the dashboard hides what a role cannot do with the same table.
 * Browser-safe: no Node built-ins.
 */

/** Project roles, from least to most trusted (the order is for display only; see `roleWithin`). */
export const PROJECT_ROLES = ['viewer', 'reviewer', 'ml_engineer', 'admin'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export const ACTIONS = {
  'run.read': 'read runs, their specs, stage reports, metrics and artifacts',
  'run.submit': 'submit runs',
  'run.cancel': 'cancel runs',
  'data.upload': 'upload datasets',
  'members.read': "see the project's members",
  'members.manage': 'add, change and remove members',
  'tokens.create': 'create API tokens for oneself',
  'tokens.manage': "list and revoke anyone's API tokens in the project",
  // Added by the approval, registry and lineage stages; listed now so the matrix is complete.
  'run.approve': 'approve or reject a run awaiting review',
  'model.promote': 'promote a model version to an alias',
  'model.rollback': 'roll an alias back to an earlier version',
  'data.erase': 'run an erasure request',
  'audit.read': "read the project's audit events",
} as const;
export type Action = keyof typeof ACTIONS;

const READ: Action[] = ['run.read', 'members.read', 'tokens.create'];

export const ROLE_PERMISSIONS: Record<ProjectRole, readonly Action[]> = {
  viewer: READ,
  reviewer: [...READ, 'run.approve', 'audit.read'],
  ml_engineer: [...READ, 'run.submit', 'run.cancel', 'data.upload', 'model.promote', 'model.rollback'],
  admin: Object.keys(ACTIONS) as Action[],
};

export const ROLE_DESCRIPTIONS: Record<ProjectRole, string> = {
  viewer: 'reads runs, reports and artifacts',
  reviewer: 'reads everything, including the project\'s audit log, and approves or rejects runs (never their own)',
  ml_engineer: 'uploads data, submits, cancels and promotes runs',
  admin: 'everything, including members, tokens and erasure',
};

export function can(role: ProjectRole | null | undefined, action: Action): boolean {
  return role != null && ROLE_PERMISSIONS[role].includes(action);
}

/** True when `role` allows nothing that `limit` does not: an API token's role must be within its creator's. */
export function roleWithin(role: ProjectRole, limit: ProjectRole): boolean {
  return ROLE_PERMISSIONS[role].every((a) => ROLE_PERMISSIONS[limit].includes(a));
}

export const isProjectRole = (v: unknown): v is ProjectRole => typeof v === 'string' && (PROJECT_ROLES as readonly string[]).includes(v);

/** API tokens start with this, so secret scanners (ours included) recognise a leaked one. */
export const API_TOKEN_PREFIX = 'rfy_';
/** The token's shape: prefix + 43 base64url characters (256 random bits). */
export const API_TOKEN_PATTERN = /^rfy_[A-Za-z0-9_-]{43}$/;
