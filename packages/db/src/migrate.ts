import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import type { Database } from './client';

// A separate entry point ("@refinery/db/migrate"): bundlers (the web app) never see the
// migrations folder; the launcher and workers apply migrations before the web app starts.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies pending migrations; safe from several processes (drizzle serialises on its table). */
export async function runMigrations(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });
}
