import crypto from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { adminUrl, databaseUrl } from './urls';
import { entities } from '../../src/domain/entities';
import { retireDatabase, testDatabaseName } from './test-run-databases';

export type TestDatabase = {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Every SQL statement run through the data source since the last reset. */
  statements: string[];
  /** Ends its sessions and refuses new ones; the database itself is dropped after the run. */
  drop(): Promise<void>;
};

/** A fresh database for one test file, cloned from the run's migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.HARMONY_TEST_TEMPLATE;
  const run = process.env.HARMONY_TEST_RUN;
  if (!template || !run)
    throw new Error('HARMONY_TEST_TEMPLATE is not set: run the tests through jest (npm test)');
  const name = testDatabaseName(run, crypto.randomBytes(4).toString('hex'));
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const statements: string[] = [];
  const url = databaseUrl(name);
  const dataSource = createDataSource({
    url,
    statementTimeoutMs: 30_000,
    poolSize: 5,
    entities,
    onQuery: (sql) => statements.push(sql),
  });
  await dataSource.initialize();
  return {
    name,
    url,
    dataSource,
    statements,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await withAdmin((admin) => retireDatabase(admin, name));
    },
  };
}

async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
