import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';
import type { Config } from '../config/config';
import type { Logger } from '../shared/logger';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';

export type Database = {
  dataSource: DataSource;
  /** True when Harmony started its own embedded PostgreSQL (demo mode). */
  embedded: boolean;
  close(): Promise<void>;
};

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL when none is configured. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  entities: Function[],
): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPostgresPort,
        logger,
      });
  const dataSource = createDataSource({
    url: config.databaseUrl ?? embedded!.url,
    statementTimeoutMs: config.statementTimeoutMs,
    poolSize: config.dbPoolSize,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
    idleInTransactionTimeoutMs: config.idleInTransactionTimeoutMs,
    entities,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop();
    throw new Error(
      `Cannot connect to PostgreSQL${config.databaseUrl ? ' at DATABASE_URL' : ''}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return {
    dataSource,
    embedded: Boolean(embedded),
    close: async () => {
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** Longest wait of a migration for a lock when none is configured, in ms. */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10_000;

/** PostgreSQL's SQLSTATE for a lock not obtained within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

export type MigrationOptions = {
  /** Longest wait for a lock, in ms. Default 10,000 (HARMONY_MIGRATION_LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number;
};

/** Applies pending migrations; returns their names. */
export async function migrate(
  dataSource: DataSource,
  options: MigrationOptions = {},
): Promise<string[]> {
  const applied = await withMigrationSession(dataSource, options, (executor) =>
    executor.executePendingMigrations(),
  );
  return applied.map((migration) => migration.name);
}

/** Reverts the most recently applied migration. */
export async function revertLastMigration(
  dataSource: DataSource,
  options: MigrationOptions = {},
): Promise<void> {
  await withMigrationSession(dataSource, options, (executor) => executor.undoLastMigration());
}

/**
 * Runs migrations on one connection without the statement timeout (an index build on a big
 * table may take minutes) but with a lock timeout: a migration blocked by a long transaction
 * fails with a clear message instead of hanging, and queueing every query behind its lock.
 */
async function withMigrationSession<T>(
  dataSource: DataSource,
  options: MigrationOptions,
  work: (executor: MigrationExecutor) => Promise<T>,
): Promise<T> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const runner = dataSource.createQueryRunner('master');
  try {
    await runner.query(
      `SELECT set_config('statement_timeout', '0', false), set_config('lock_timeout', $1, false)`,
      [String(lockTimeoutMs)],
    );
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    return await work(executor);
  } catch (error) {
    throw lockTimeoutError(error, lockTimeoutMs) ?? error;
  } finally {
    await resetSession(runner);
  }
}

/** A migration that could not take a lock within the lock timeout; it was rolled back. */
export class MigrationLockTimeoutError extends Error {}

function lockTimeoutError(error: unknown, lockTimeoutMs: number): Error | undefined {
  const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code;
  if (code !== LOCK_NOT_AVAILABLE && (error as { code?: string }).code !== LOCK_NOT_AVAILABLE)
    return undefined;
  const statement = String((error as { query?: unknown }).query ?? '').replace(/\s+/g, ' ');
  return new MigrationLockTimeoutError(
    `A migration waited more than ${lockTimeoutMs} ms for a lock (HARMONY_MIGRATION_LOCK_TIMEOUT_MS) ` +
      `and was rolled back: another session holds a lock on a table it changes` +
      (statement ? ` (statement: ${statement.slice(0, 120)})` : '') +
      `. End that session's transaction (see pg_stat_activity, pg_locks) and run the migration again.`,
    { cause: error },
  );
}

/** The connection goes back to the pool with the server's own timeouts. */
async function resetSession(runner: QueryRunner): Promise<void> {
  try {
    if (!runner.isReleased) await runner.query(`RESET statement_timeout; RESET lock_timeout`);
  } catch {
    // A broken connection is discarded by the pool anyway.
  } finally {
    await runner.release();
  }
}
