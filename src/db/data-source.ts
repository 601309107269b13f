import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { migrations } from '../../migrations';

export type DataSourceSettings = {
  url: string;
  statementTimeoutMs: number;
  poolSize: number;
  /** Longest wait for a free connection (or a new one to open), in ms. Default 5000. */
  acquireTimeoutMs?: number;
  /** PostgreSQL ends a session idle inside a transaction this long, in ms. Default 60000. */
  idleInTransactionTimeoutMs?: number;
  /** The migrations to apply. Default: every migration under `migrations/`. */
  migrations?: Function[];
  /** The TypeORM entities; the composition root passes `domain/entities`. */
  entities: Function[];
  /** Log every SQL statement through this function (tests count statements with it). */
  onQuery?: (sql: string) => void;
};

export const DEFAULT_ACQUIRE_TIMEOUT_MS = 5000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/** The TypeORM data source for one PostgreSQL database. */
export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.url,
    entities: settings.entities,
    migrations: settings.migrations ?? migrations,
    migrationsTableName: 'harmony_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: settings.onQuery ? ['query'] : false,
    logger: settings.onQuery ? new QueryCounterLogger(settings.onQuery) : undefined,
    extra: {
      max: settings.poolSize,
      // Without it a request waits forever for a connection when the pool is exhausted; the
      // error it raises becomes a 503 (src/db/unavailable.ts).
      connectionTimeoutMillis: settings.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      statement_timeout: settings.statementTimeoutMs,
      // A transaction left open by a stalled client would hold its locks and its connection.
      idle_in_transaction_session_timeout:
        settings.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      application_name: 'harmony',
    },
  });
}

/** Forwards each statement to a callback, nothing else. */
class QueryCounterLogger {
  constructor(private readonly onQuery: (sql: string) => void) {}
  logQuery(sql: string) {
    this.onQuery(sql);
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}
