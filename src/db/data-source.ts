import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { migrations } from '../../migrations';

export type DataSourceSettings = {
  url: string;
  statementTimeoutMs: number;
  poolSize: number;
  /** The TypeORM entities; the composition root passes `domain/entities`. */
  entities: Function[];
  /** Log every SQL statement through this function (tests count statements with it). */
  onQuery?: (sql: string) => void;
};

/** The TypeORM data source for one PostgreSQL database. */
export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.url,
    entities: settings.entities,
    migrations,
    migrationsTableName: 'harmony_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: settings.onQuery ? ['query'] : false,
    logger: settings.onQuery ? new QueryCounterLogger(settings.onQuery) : undefined,
    extra: {
      max: settings.poolSize,
      statement_timeout: settings.statementTimeoutMs,
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
