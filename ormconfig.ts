import { loadConfig } from './src/config/config';
import { createDataSource } from './src/db/data-source';
import { entities } from './src/domain/entities';

/**
 * The data source the TypeORM CLI uses (`npx typeorm -d dist/ormconfig.js ...`), built from the
 * validated config. Without DATABASE_URL it points at the embedded PostgreSQL of `npm start`.
 */
const config = loadConfig();
export default createDataSource({
  url: config.databaseUrl ?? `postgres://postgres@127.0.0.1:${config.embeddedPostgresPort}/harmony`,
  statementTimeoutMs: config.statementTimeoutMs,
  poolSize: config.dbPoolSize,
  entities,
});
