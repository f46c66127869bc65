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
  REFINERY_PYTHON: z.string().optional(),
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
      const shown = env[key] === undefined ? 'not set' : `got "${key === 'DATABASE_URL' ? redactUrl(env[key]!) : env[key]}"`;
      return `${key}: ${i.message} (${shown})`;
    }),
  );
}

/** Never print a password from a connection string. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
