import { z } from 'zod';

/**
 * Process configuration from the environment, validated once at start. Each process reads
 * only what it needs; a bad value stops it with one line per variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = (schemes: string[]) =>
  z.string().refine((v) => schemes.some((s) => v.startsWith(`${s}://`)), { message: `must start with ${schemes.map((s) => `${s}://`).join(' or ')}` });

const PAYLOAD_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// Standard base64 of exactly 32 bytes: 43 characters and one "=" of padding.
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** What is wrong with a REFINERY_PAYLOAD_KEYS value (empty when nothing); never echoes key material. */
export function payloadKeysProblems(value: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const entries = value.split(',').map((e) => e.trim());
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!PAYLOAD_KEY_ID.test(id)) problems.push(`entry ${i + 1} must be <id>:<base64 key> with an id of letters, digits, ".", "_" or "-"`);
    else if (seen.has(id)) problems.push(`key id "${id}" is listed twice`);
    else if (!BASE64_32_BYTES.test(entry.slice(colon + 1))) problems.push(`key "${id}" must be 32 random bytes in standard base64 (e.g. \`openssl rand -base64 32\`)`);
    seen.add(id);
  }
  return problems;
}

export const ConfigSchema = z.object({
  DATABASE_URL: url(['postgres', 'postgresql']),
  TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. localhost:7233').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /**
   * TLS to Temporal (packages/temporal: temporalTlsOptions). `true` for TLS with the system's CAs;
   * also on when any file below is set. Temporal Cloud: TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (mTLS).
   */
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  /** PEM file: the client certificate (mTLS); needs TEMPORAL_TLS_KEY. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  /** PEM file: the client certificate's private key. */
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** PEM file: the CA that signed the server's certificate (default: the system's roots). */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** The name the server's certificate is checked against, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  OBJECT_STORE_URL: z.string().min(1).default('.data/objects'),
  /** Colon-separated directories that `file://` dataset and model URIs may point into. */
  REFINERY_DATA_ROOTS: z.string().min(1).default('examples:.data/uploads'),
  /** Directory relative `file://` URIs are resolved against (the repository root by default). */
  REFINERY_BASE_DIR: z.string().min(1).default(process.cwd()),
  PORT: port.default(3000),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  GPU_POOL: z.string().regex(/^[a-z0-9-]+$/).default('default'),
  /** Web: the GPU pools this installation runs (comma-separated); the health check wants a worker polling each. */
  REFINERY_GPU_POOLS: z
    .string()
    .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'comma-separated pool names (a-z, 0-9, -), e.g. "default,large"')
    .default('default'),
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
  /** A run's trace in the tracing UI, e.g. https://jaeger.example/trace/{traceId}: the run page and API link to it. */
  REFINERY_TRACE_URL_TEMPLATE: url(['http', 'https'])
    .refine((v) => v.includes('{traceId}'), { message: 'must contain {traceId}, e.g. https://jaeger.example/trace/{traceId}' })
    .optional(),
  /**
   * An OpenLineage HTTP endpoint (e.g. Marquez: http://marquez:5000/api/v1/lineage) every event is
   * also POSTed to. An operator setting, never user input: it may name an internal address.
   */
  REFINERY_OPENLINEAGE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://marquez:5000/api/v1/lineage' })
    .refine((u) => !/^[a-z]+:\/\/[^/@]*@/i.test(u), 'must not carry credentials (user:password@); put a key in REFINERY_OPENLINEAGE_API_KEY')
    .optional(),
  /** Sent as `Authorization: Bearer <key>` to REFINERY_OPENLINEAGE_URL when set. */
  REFINERY_OPENLINEAGE_API_KEY: z.string().min(1).optional(),
  /**
   * Keys that encrypt Temporal payloads (AES-256-GCM): comma-separated `<id>:<base64 of 32 bytes>`.
   * Every listed key decrypts; keep retired keys while histories written with them are retained.
   */
  REFINERY_PAYLOAD_KEYS: z.string().superRefine((v, ctx) => {
    for (const problem of payloadKeysProblems(v)) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /**
   * Scrapes of /metrics (web app and workers) must send `Authorization: Bearer <token>`. Unset: the
   * web app's /metrics answers 404 and workers serve theirs on loopback only, without a token.
   */
  REFINERY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
  /** A worker's Prometheus /metrics port (its own metrics and the Temporal SDK's); unset: no metrics server. */
  REFINERY_METRICS_PORT: port.optional(),
  /** The address a worker's metrics server binds: default 127.0.0.1, or 0.0.0.0 when REFINERY_METRICS_TOKEN is set. */
  REFINERY_METRICS_HOST: z.string().min(1).optional(),
  /** The id (in REFINERY_PAYLOAD_KEYS) of the key new payloads are encrypted with. */
  REFINERY_PAYLOAD_KEY_ID: z.string().regex(PAYLOAD_KEY_ID, 'must be a key id: letters, digits, ".", "_" or "-" (at most 64)'),
  /**
   * The Temporal Web UI's origin(s) (comma-separated, e.g. http://127.0.0.1:8233): the browser
   * may call the payload codec endpoint from there (CORS, with the dashboard's session cookie).
   */
  REFINERY_TEMPORAL_UI_ORIGIN: z
    .string()
    .default('')
    .refine((v) => v.split(',').every((o) => !o.trim() || /^https?:\/\/[^/?#\s]+$/.test(o.trim())), { message: 'must be origins: scheme://host[:port], no path, comma-separated' }),
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
      const shown = env[key] === undefined ? 'not set' : `got "${key === 'DATABASE_URL' || key === 'REFINERY_OPENLINEAGE_URL' ? redactUrl(env[key]!) : SECRET_KEYS.has(key) ? '***' : env[key]}"`;
      return `${key}: ${i.message} (${shown})`;
    }),
  );
}

const SECRET_KEYS = new Set(['REFINERY_METRICS_TOKEN', 'REFINERY_AUTH_SECRET', 'REFINERY_AUDIT_SIGNING_KEY', 'REFINERY_OIDC_CLIENT_SECRET', 'REFINERY_OPENLINEAGE_API_KEY', 'REFINERY_PAYLOAD_KEYS']);

/** Never print a password from a connection string. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
