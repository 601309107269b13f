import crypto from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { adminUrl, databaseUrl } from './urls';
import { entities } from '../../src/domain/entities';
import { retireDatabase, testDatabaseName } from './test-run-databases';
import { loadDemoData, type DemoDataSummary } from '../../src/demo/demo-data';
import { demoTemplate, type PinnedDemo } from './demo-template';

export type TestDatabase = {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Every SQL statement run through the data source since the last reset. */
  statements: string[];
  /** Ends its sessions and refuses new ones; the database itself is dropped after the run. */
  drop(): Promise<void>;
};

/**
 * A fresh database for one test file, cloned from the run's migrated template, or from
 * `options.template` (a template the run built from it, e.g. with demo data: demo-template.ts).
 */
export async function createTestDatabase(
  options: { template?: string } = {},
): Promise<TestDatabase> {
  const template = options.template ?? process.env.HARMONY_TEST_TEMPLATE;
  const run = process.env.HARMONY_TEST_RUN;
  if (!template || !run)
    throw new Error('HARMONY_TEST_TEMPLATE is not set: run the tests through jest (npm test)');
  const name = testDatabaseName(run, crypto.randomBytes(4).toString('hex'));
  await withAdmin((admin) => cloneDatabase(admin, template, name));
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

/** CREATE DATABASE ... TEMPLATE, retried while the template's last builder session ends. */
async function cloneDatabase(admin: Client, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (error) {
      // 55006: "source database is being accessed by other users", for a moment after a
      // builder closed its connections.
      if ((error as { code?: string }).code !== '55006' || attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * A test database holding `demo`'s demo data: cloned from a template the run builds once, or,
 * while another file is building that template, loaded the way the template was.
 */
export async function createDemoTestDatabase(
  demo: PinnedDemo,
): Promise<{ db: TestDatabase; loaded: DemoDataSummary }> {
  const built = await demoTemplate(demo);
  if (built)
    return { db: await createTestDatabase({ template: built.template }), loaded: built.loaded };
  const db = await createTestDatabase();
  return { db, loaded: await loadDemoData(db.dataSource, demo) };
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
