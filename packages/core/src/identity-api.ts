import { z } from 'zod';
import { ACTIONS, PROJECT_ROLES, type Action } from './access';

/** Request and response shapes of the identity API (me, projects, members, tokens, users). */

const role = z.enum(PROJECT_ROLES);
const projectId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter or digit (at most 63)');
const email = z.string().trim().toLowerCase().pipe(z.email());

export const MeSchema = z
  .object({
    kind: z.enum(['user', 'token']),
    actor: z.string().meta({ description: 'what audit events record: user:<id> or token:<id>' }),
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), instanceAdmin: z.boolean() }),
    token: z.object({ id: z.string(), project: z.string(), role }).nullable(),
    projects: z.array(z.object({ id: z.string(), name: z.string(), role, actions: z.array(z.enum(Object.keys(ACTIONS) as [Action, ...Action[]])) })),
    sso: z.object({ enabled: z.boolean() }),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof MeSchema>;

export const ProjectSchema = z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), createdAt: z.string() }).meta({ id: 'Project' });
export type Project = z.infer<typeof ProjectSchema>;
export const CreateProjectSchema = z.strictObject({ id: projectId, name: z.string().trim().min(1).max(200).optional(), description: z.string().max(2000).optional() });

export const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role, source: z.enum(['manual', 'sso']), addedAt: z.string() })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof MemberSchema>;
export const AddMemberSchema = z.strictObject({ email, role });
export const ChangeMemberSchema = z.strictObject({ role });

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    project: z.string(),
    role,
    owner: z.string().meta({ description: "the creator's email" }),
    prefix: z.string().meta({ description: 'the first characters of the token, to recognise it' }),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export const CreateTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  project: projectId,
  role: role.meta({ description: 'at most your own role in the project' }),
  expiresInDays: z.number().int().min(1).max(365).default(30),
});
export const CreatedTokenSchema = ApiTokenSchema.extend({ token: z.string().meta({ description: 'shown once; store it now' }) }).meta({ id: 'CreatedApiToken' });
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export const CreateUserSchema = z.strictObject({
  email,
  name: z.string().trim().min(1).max(200),
  password: z.string().min(12, 'at least 12 characters').max(128),
  instanceAdmin: z.boolean().default(false),
});
export const UserSchema = z.object({ id: z.string(), email: z.string(), name: z.string() }).meta({ id: 'User' });
