import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { nextCookies } from 'better-auth/next-js';
import { genericOAuth } from 'better-auth/plugins';
import { ConfigError, type Config } from '@refinery/core';
import { audit, getUser, schema, setInstanceAdmin, syncSsoMemberships, type Db } from '@refinery/db';
import { grantsForGroups, groupsFromClaims, GroupRolesError, parseGroupRoles } from './sso';

export type AuthConfig = Pick<
  Config,
  | 'REFINERY_AUTH_SECRET'
  | 'REFINERY_PUBLIC_URL'
  | 'REFINERY_TRUSTED_ORIGINS'
  | 'REFINERY_OIDC_ISSUER'
  | 'REFINERY_OIDC_CLIENT_ID'
  | 'REFINERY_OIDC_CLIENT_SECRET'
  | 'REFINERY_OIDC_GROUP_ROLES'
  | 'REFINERY_OIDC_NAME'
>;
export const AUTH_CONFIG_KEYS = [
  'REFINERY_AUTH_SECRET',
  'REFINERY_PUBLIC_URL',
  'REFINERY_TRUSTED_ORIGINS',
  'REFINERY_OIDC_ISSUER',
  'REFINERY_OIDC_CLIENT_ID',
  'REFINERY_OIDC_CLIENT_SECRET',
  'REFINERY_OIDC_GROUP_ROLES',
  'REFINERY_OIDC_NAME',
] as const satisfies readonly (keyof Config)[];

/** The provider id in better-auth's routes: /api/auth/sign-in/social → /api/auth/callback/sso. */
export const SSO_PROVIDER_ID = 'sso';

/** Sign-in attempts per IP and minute before better-auth answers 429. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

export const ssoEnabled = (c: AuthConfig) => Boolean(c.REFINERY_OIDC_ISSUER && c.REFINERY_OIDC_CLIENT_ID && c.REFINERY_OIDC_CLIENT_SECRET);

export const trustedOrigins = (c: AuthConfig) => [
  new URL(c.REFINERY_PUBLIC_URL).origin,
  ...c.REFINERY_TRUSTED_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => new URL(o).origin),
];

/**
 * Accounts and sessions through better-auth on our Drizzle schema: email + password (hashing,
 * cookies and CSRF-safe sign-in are the library's), optional OIDC single sign-on whose groups
 * map to project roles, and an audit event for every sign-in and every failed one. Sign-up is
 * closed: accounts are created by an instance admin (or the demo seed).
 */
export function createAuth(db: Db, config: AuthConfig) {
  const groupRoles = (() => {
    try {
      return parseGroupRoles(config.REFINERY_OIDC_GROUP_ROLES);
    } catch (err) {
      throw err instanceof GroupRolesError ? new ConfigError([err.message]) : err;
    }
  })();
  const plugins = [];
  if (ssoEnabled(config)) {
    plugins.push(
      genericOAuth({
        config: [
          {
            providerId: SSO_PROVIDER_ID,
            name: config.REFINERY_OIDC_NAME,
            discoveryUrl: `${config.REFINERY_OIDC_ISSUER!.replace(/\/$/, '')}/.well-known/openid-configuration`,
            clientId: config.REFINERY_OIDC_CLIENT_ID!,
            clientSecret: config.REFINERY_OIDC_CLIENT_SECRET!,
            scopes: ['openid', 'email', 'profile', 'groups'],
            pkce: true,
            // Groups change at the provider; take them afresh at every sign-in.
            overrideUserInfo: true,
            mapProfileToUser: (profile) => ({ ssoGroups: JSON.stringify(groupsFromClaims(profile)) }),
          },
        ],
      }),
    );
  }
  return betterAuth({
    appName: 'Refinery',
    baseURL: config.REFINERY_PUBLIC_URL,
    secret: config.REFINERY_AUTH_SECRET,
    trustedOrigins: trustedOrigins(config),
    telemetry: { enabled: false },
    // Profile changes go through admins (and SSO); nothing a user may set about themselves grants access.
    disabledPaths: ['/update-user', '/change-email', '/delete-user'],
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: { user: schema.users, session: schema.sessions, account: schema.accounts, verification: schema.verifications },
    }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12 },
    user: {
      additionalFields: {
        instanceAdmin: { type: 'boolean', defaultValue: false, input: false },
        // Written from the provider's profile at each SSO sign-in (better-auth only takes profile
        // fields marked as input); users cannot set it, as /update-user is disabled below.
        ssoGroups: { type: 'string', required: false, input: true },
      },
    },
    session: { expiresIn: 7 * 86_400, updateAge: 86_400 },
    advanced: { defaultCookieAttributes: { sameSite: 'lax', httpOnly: true } },
    rateLimit: {
      enabled: true,
      storage: 'memory',
      window: 60,
      max: 300,
      customRules: { '/sign-in/email': { window: 60, max: SIGN_IN_ATTEMPTS_PER_MINUTE }, '/sign-in/social': { window: 60, max: SIGN_IN_ATTEMPTS_PER_MINUTE } },
    },
    databaseHooks: {
      session: {
        create: {
          after: async (session) => {
            const user = await getUser(db, session.userId);
            if (user?.ssoGroups != null) {
              const grants = grantsForGroups(JSON.parse(user.ssoGroups) as string[], groupRoles);
              await syncSsoMemberships(db, user.id, grants.memberships);
              await setInstanceAdmin(db, user.id, grants.instanceAdmin);
            }
            await audit(db, { actor: `user:${session.userId}`, action: 'auth.signed_in', subjectType: 'user', subjectId: session.userId, data: { method: user?.ssoGroups != null ? 'sso' : 'password' } });
          },
        },
      },
    },
    hooks: {
      after: createAuthMiddleware(async (ctx) => {
        if (!ctx.path.startsWith('/sign-in')) return;
        const returned = ctx.context.returned;
        if (!(returned instanceof APIError)) return;
        // The attempted email is recorded (which account was targeted); the password never is.
        const email = typeof ctx.body?.email === 'string' ? ctx.body.email.slice(0, 200) : null;
        await audit(db, { actor: 'anonymous', action: 'auth.sign_in_failed', subjectType: 'user', subjectId: email ?? 'unknown', data: { path: ctx.path, reason: returned.message } });
      }),
    },
    plugins: [...plugins, nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;
