import type { DataSource } from 'typeorm';
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

/** Applies pending migrations; returns their names. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((migration) => migration.name);
}
