import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { adminUrl, databaseUrl } from './urls';
import { entities } from '../../src/domain/entities';
import { reapAfterRun } from './test-run-databases';

/**
 * Builds one migrated template database per jest run; each test file clones it
 * (CREATE DATABASE ... TEMPLATE), which is much faster than migrating per file.
 */
export default async function globalSetup(): Promise<void> {
  // Databases left by runs that crashed are dropped in the background (each drop is a checkpoint).
  reapAfterRun(0);
  const template = `harmony_tpl_${process.pid}`;
  process.env.HARMONY_TEST_TEMPLATE = template;
  process.env.HARMONY_TEST_RUN = String(process.pid);
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const dataSource = createDataSource({
    url: databaseUrl(template),
    statementTimeoutMs: 60_000,
    poolSize: 1,
    entities,
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}
