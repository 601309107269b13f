import 'reflect-metadata';
import os from 'node:os';
import { loadConfig } from '../src/config/config';
import { migrate, openDatabase } from '../src/db/database';
import { loadCatalog, MetricsService } from '../src/metrics';
import { createLogger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';

/**
 * `npm run metrics:sync`: validates schema/metrics/*.yml and records every changed metric as a
 * new version in PostgreSQL (DATABASE_URL, or the embedded demo database).
 * `npm run metrics:sync -- --check` only validates the YAML, without a database.
 */
async function main(): Promise<void> {
  const entries = loadCatalog();
  if (process.argv.includes('--check')) {
    process.stdout.write(`schema/metrics: ${entries.length} metrics valid\n`);
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger, entities);
  try {
    if (database.embedded || config.migrateOnStart) await migrate(database.dataSource);
    const changed = await new MetricsService(database.dataSource).syncCatalog(
      `metrics:sync (${os.userInfo().username})`,
    );
    process.stdout.write(
      changed.length
        ? `new versions: ${changed.join(', ')}\n`
        : `all ${entries.length} metrics up to date\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  process.stderr.write(`metrics:sync failed: ${(error as Error).message}\n`);
  process.exit(1);
});
