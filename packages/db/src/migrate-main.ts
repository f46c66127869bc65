import { ConfigError, loadConfig, redactUrl } from '@refinery/core';
import { connect } from './client';
import { MIGRATIONS_DIR, runMigrations } from './migrate';

/**
 * `node --import tsx packages/db/src/migrate-main.ts`: applies pending migrations to DATABASE_URL
 * and exits (the Helm chart's pre-install/pre-upgrade Job; docs/deploy.md, Upgrades).
 */
async function main() {
  const { DATABASE_URL } = loadConfig(['DATABASE_URL']);
  const database = connect(DATABASE_URL, { max: 1 });
  try {
    const started = Date.now();
    await runMigrations(database);
    console.log(`[migrate] ${redactUrl(DATABASE_URL)} is at the latest migration of ${MIGRATIONS_DIR} (${Date.now() - started} ms)`);
  } finally {
    await database.close();
  }
}

main().catch((err: Error) => {
  // drizzle wraps the driver's error (refused connection, bad password) as `cause`.
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  console.error(err instanceof ConfigError ? `[migrate] ${err.message}` : `[migrate] failed: ${err.message.split('\n')[0]}${cause}; check DATABASE_URL and that Postgres accepts connections`);
  process.exit(1);
});
