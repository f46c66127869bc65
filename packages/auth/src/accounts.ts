import { getUserByEmail, setInstanceAdmin, type Db } from '@refinery/db';
import type { Auth } from './auth';

export class AccountExistsError extends Error {}

/**
 * Creates an email + password account. Sign-up is closed to the public, so this goes through
 * better-auth's own context: its password hasher and its adapter write the rows.
 */
export async function createPasswordAccount(auth: Auth, db: Db, a: { email: string; name: string; password: string; instanceAdmin?: boolean }) {
  const email = a.email.trim().toLowerCase();
  if (await getUserByEmail(db, email)) throw new AccountExistsError(`an account with the email ${email} already exists`);
  const ctx = await auth.$context;
  const { minPasswordLength, maxPasswordLength } = ctx.password.config;
  if (a.password.length < minPasswordLength || a.password.length > maxPasswordLength) {
    throw new RangeError(`the password must have ${minPasswordLength} to ${maxPasswordLength} characters`);
  }
  const user = await ctx.internalAdapter.createUser({ email, name: a.name, emailVerified: true }, { method: 'admin' });
  await ctx.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: await ctx.password.hash(a.password) });
  if (a.instanceAdmin) await setInstanceAdmin(db, user.id, true);
  return { id: user.id, email, name: a.name };
}
