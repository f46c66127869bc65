import { z } from 'zod';

/**
 * Process configuration from the environment, validated once at start. Each process reads
 * only what it needs; a bad value stops it with one line per variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = (schemes: string[]) =>
  z.string().refine((v) => schemes.some((s) => v.startsWith(`${s}://`)), { message: `must start with ${schemes.map((s) => `${s}://`).join(' or ')}` });

export const ConfigSchema = z.object({
  DATABASE_URL: url(['postgres', 'postgresql']),
  TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  OBJECT_STORE_URL: z.string().min(1).default('.data/objects'),
  /** Colon-separated directories that `file://` dataset and model URIs may point into. */
  REFINERY_DATA_ROOTS: z.string().min(1).default('examples:.data/uploads'),
  /** Directory relative `file://` URIs are resolved against (the repository root by default). */
  REFINERY_BASE_DIR: z.string().min(1).default(process.cwd()),
  PORT: port.default(3000),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  GPU_POOL: z.string().regex(/^[a-z0-9-]+$/).default('default'),
  /** Playground: chat turns one project may run at once on this web server (each is a node-llama-cpp process). */
  REFINERY_PLAYGROUND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  REFINERY_PYTHON: z.string().optional(),
  /** Signs session cookies; at least 32 characters (the embedded launcher generates one). */
  REFINERY_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)'),
  /** The URL users open the dashboard at; cookies, redirects and the CSRF origin check use it. */
  REFINERY_PUBLIC_URL: url(['http', 'https']).default('http://localhost:3000'),
  /** Other origins the dashboard is served from (comma-separated), e.g. http://127.0.0.1:3000. */
  REFINERY_TRUSTED_ORIGINS: z.string().default(''),
  /** Signs the audit log's checkpoints: an Ed25519 private key, PKCS#8 PEM or base64 DER (the embedded launcher generates one). */
  REFINERY_AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  /** OIDC single sign-on: all three set to enable it. */
  REFINERY_OIDC_ISSUER: url(['http', 'https']).optional(),
  REFINERY_OIDC_CLIENT_ID: z.string().min(1).optional(),
  REFINERY_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** JSON object: provider group → grants, e.g. {"ml-team":["demo:ml_engineer"],"it-admins":["instance_admin"]}. */
  REFINERY_OIDC_GROUP_ROLES: z.string().optional(),
  /** The label of the SSO button ("Sign in with <name>"). */
  REFINERY_OIDC_NAME: z.string().min(1).default('SSO'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<K extends keyof Config>(keys: readonly K[], env: Record<string, string | undefined> = process.env): Pick<Config, K> {
  const mask = Object.fromEntries(keys.map((k) => [k, true])) as Record<keyof Config, true>;
  const picked = ConfigSchema.pick(mask);
  const values = Object.fromEntries(keys.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const result = picked.safeParse(values);
  if (result.success) return result.data as unknown as Pick<Config, K>;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const key = String(i.path[0]);
      const shown = env[key] === undefined ? 'not set' : `got "${key === 'DATABASE_URL' ? redactUrl(env[key]!) : SECRET_KEYS.has(key) ? '***' : env[key]}"`;
      return `${key}: ${i.message} (${shown})`;
    }),
  );
}

const SECRET_KEYS = new Set(['REFINERY_AUTH_SECRET', 'REFINERY_AUDIT_SIGNING_KEY', 'REFINERY_OIDC_CLIENT_SECRET']);

/** Never print a password from a connection string. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
