import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH_CONFIG_KEYS, createAuth, createPasswordAccount } from '@refinery/auth';
import { loadConfig, type ProjectRole } from '@refinery/core';
import { connect, createProject, getUserByEmail, setMember } from '@refinery/db';

export const DEMO_PROJECT = 'demo';

export interface DemoAccount {
  email: string;
  password: string;
  name: string;
  role: ProjectRole;
  instanceAdmin: boolean;
}

const DEMO_PEOPLE: Omit<DemoAccount, 'password'>[] = [
  { email: 'admin@refinery.local', name: 'Ada Admin', role: 'admin', instanceAdmin: true },
  { email: 'engineer@refinery.local', name: 'Enzo Engineer', role: 'ml_engineer', instanceAdmin: false },
  { email: 'reviewer@refinery.local', name: 'Rita Reviewer', role: 'reviewer', instanceAdmin: false },
  { email: 'viewer@refinery.local', name: 'Vic Viewer', role: 'viewer', instanceAdmin: false },
];

/**
 * Embedded mode only: the demo project and one account per role, with random passwords kept
 * in <dataDir>/demo-credentials.json (mode 0600) so every start prints the same ones.
 * Idempotent: existing accounts and memberships are left as they are.
 */
export async function seedDemoAccounts(env: Record<string, string>, dataDir: string): Promise<DemoAccount[]> {
  const file = join(dataDir, 'demo-credentials.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoAccount[]) : [];
  const accounts = DEMO_PEOPLE.map((p) => ({ ...p, password: saved.find((s) => s.email === p.email)?.password ?? randomBytes(12).toString('base64url') }));
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });

  const database = connect(env.DATABASE_URL!, { max: 2 });
  try {
    const auth = createAuth(database.db, loadConfig(AUTH_CONFIG_KEYS, env));
    await createProject(database.db, { id: DEMO_PROJECT, name: 'Demo', description: 'Seeded by npm start: the demo support-chat dataset and tiny model' });
    for (const a of accounts) {
      if (await getUserByEmail(database.db, a.email)) continue;
      const user = await createPasswordAccount(auth, database.db, a);
      await setMember(database.db, { projectId: DEMO_PROJECT, userId: user.id, role: a.role });
    }
  } finally {
    await database.close();
  }
  return accounts;
}

/**
 * Signs in with email and password as the dashboard does; returns the session cookie.
 * `headers` may name the client (X-Forwarded-For), whose sign-in attempts are rate-limited.
 */
export async function signIn(webUrl: string, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${webUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: webUrl, ...headers },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in as ${email} failed: HTTP ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
