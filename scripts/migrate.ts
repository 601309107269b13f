import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { MigrationLockTimeoutError, migrate, revertLastMigration } from '../src/db/database';
import { CliError, runCli, usageError, withDatabase } from './cli';

const USAGE = `Usage: npm run migrate -- [options]

Applies pending migrations (the default), reverts the latest one, or lists them.

Options:
  --revert    Revert the most recently applied migration.
  --status    List every migration as applied or pending; change nothing.
  -h, --help  Show this help.

The database is DATABASE_URL, or the embedded PostgreSQL of \`npm start\` when it is unset.
Migrations run without a statement timeout; one that waits longer than
HARMONY_MIGRATION_LOCK_TIMEOUT_MS (default 10000) for a table lock fails and is rolled back.
`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        revert: { type: 'boolean', default: false },
        status: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw usageError(error, 'npm run migrate --');
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.revert && values.status) throw new CliError('Choose one of --revert and --status.');

  await withDatabase({ migrate: 'never' }, async ({ config, database: { dataSource } }) => {
    const lockTimeout = { lockTimeoutMs: config.migrationLockTimeoutMs };
    if (values.status) {
      const applied = new Set(await appliedMigrations(dataSource));
      for (const { name } of dataSource.migrations) {
        process.stdout.write(`${applied.has(name!) ? 'applied' : 'pending'}  ${name}\n`);
      }
      return;
    }
    if (values.revert) {
      const before = await appliedMigrations(dataSource);
      if (before.length === 0) {
        process.stdout.write('No migration has been applied; nothing to revert.\n');
        return;
      }
      await revertLastMigration(dataSource, lockTimeout);
      process.stdout.write(`Reverted ${before[before.length - 1]}.\n`);
      return;
    }
    const applied = await migrate(dataSource, lockTimeout);
    process.stdout.write(
      applied.length
        ? `Applied ${applied.join(', ')}.\n`
        : `Nothing to apply: all ${dataSource.migrations.length} migrations are applied.\n`,
    );
  });
}

/** Names of the applied migrations, oldest first; none when the table does not exist yet. */
async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ exists }] = await dataSource.query(
    `SELECT to_regclass('harmony_migrations') IS NOT NULL AS exists`,
  );
  if (!exists) return [];
  const rows: Array<{ name: string }> = await dataSource.query(
    `SELECT name FROM harmony_migrations ORDER BY timestamp, id`,
  );
  return rows.map((row) => row.name);
}

runCli(() =>
  main().catch((error) => {
    // A lock timeout is an operator's situation, not a bug: its message without a stack.
    throw error instanceof MigrationLockTimeoutError ? new CliError(error.message) : error;
  }),
);
