import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { adminUrl, databaseUrl } from './urls';
import { entities } from '../../src/domain/entities';

/**
 * Builds one migrated template database per jest run; each test file clones it
 * (CREATE DATABASE ... TEMPLATE), which is much faster than migrating per file.
 */
export default async function globalSetup(): Promise<void> {
  const template = `harmony_tpl_${process.pid}`;
  process.env.HARMONY_TEST_TEMPLATE = template;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await dropStaleTestDatabases(admin);
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

/** Databases left by runs that crashed; only those whose owning jest process is gone. */
async function dropStaleTestDatabases(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^harmony_(tpl|t)_[0-9]+'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/^harmony_(?:tpl|t)_(\d+)/.exec(datname)![1]);
    if (isAlive(pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
