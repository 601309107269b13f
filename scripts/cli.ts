import 'reflect-metadata';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config/config';
import { migrate, openDatabase, type Database } from '../src/db/database';
import { HarmonyError } from '../src/shared/errors';
import type { Logger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';

/** What the command-line tools share: the database `npm start` would use, and how they fail. */

/** A user-facing failure: printed without a stack trace, exit status 1. */
export class CliError extends Error {}

export type CliContext = { config: Config; logger: Logger; database: Database };

/**
 * Opens the database `npm start` uses: DATABASE_URL, else the embedded PostgreSQL under
 * HARMONY_DATA_DIR (attached to if `npm start` already runs it). With `migrate: 'like-start'`,
 * pending migrations are applied when `npm start` would apply them.
 */
export async function withDatabase<T>(
  options: { migrate: 'like-start' | 'never' },
  work: (context: CliContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  // Logs go to stderr so stdout carries only a command's result (a key, a listing).
  const logger = pino({ level: 'warn', base: { service: 'harmony-cli' } }, pino.destination(2));
  const database = await openDatabase(config, logger, entities);
  try {
    if (options.migrate === 'like-start' && (database.embedded || config.migrateOnStart)) {
      const applied = await migrate(database.dataSource, {
        lockTimeoutMs: config.migrationLockTimeoutMs,
      });
      if (applied.length) process.stderr.write(`applied migrations: ${applied.join(', ')}\n`);
    }
    return await work({ config, logger, database });
  } finally {
    await database.close();
  }
}

/** Runs a command's main function; expected failures print their message and exit 1. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      const expected =
        error instanceof CliError || error instanceof ConfigError || error instanceof HarmonyError;
      if (expected) {
        process.stderr.write(`${(error as Error).message}\n`);
      } else {
        process.stderr.write(
          `${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
        );
        const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
        if (cause) process.stderr.write(`  cause: ${cause.message ?? String(cause)}\n`);
      }
      process.exit(1);
    },
  );
}

/** The `parseArgs` error for an unknown option names it; keep that, add where to read more. */
export function usageError(error: unknown, command: string): CliError {
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`${message}\nRun \`${command} --help\` for the options.`);
}
