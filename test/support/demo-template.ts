import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { loadDemoData, type DemoDataSummary } from '../../src/demo/demo-data';
import { entities } from '../../src/domain/entities';
import { adminUrl, databaseUrl } from './urls';

/** The demo data set a test file asks for; both are required so that every load is exact. */
export type PinnedDemo = { seed: number; now: Date };

/**
 * The name of the run's template holding the demo data for `demo`: built by the first file that
 * asks for it, then cloned by every file that asks again. Loading the demo data takes seconds
 * (180,000 events); a clone is a file copy. Null while another file is still building it: the
 * caller loads its own copy rather than wait (two workers often start on demo files together).
 */
export async function demoTemplate(
  demo: PinnedDemo,
): Promise<{ template: string; loaded: DemoDataSummary } | null> {
  const base = process.env.HARMONY_TEST_TEMPLATE;
  if (!base)
    throw new Error('HARMONY_TEST_TEMPLATE is not set: run the tests through jest (npm test)');
  // `harmony_tpl_<run pid>_…`: dropped with the run's other databases (test-run-databases.ts).
  const template = `${base}_demo_${demo.seed}_${Math.floor(demo.now.getTime() / 1000)}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const ready = await builtSummary(admin, template);
    if (ready) return { template, loaded: ready };
    // One builder per template; the files asking meanwhile do without it.
    const { rows } = await admin.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [template],
    );
    if (!rows[0].locked) return null;
    const built = await builtSummary(admin, template);
    if (built) return { template, loaded: built };
    // A builder that died half-way leaves a database without its summary.
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${template} TEMPLATE ${base}`);
    const loaded = await loadInto(template, demo);
    await admin.query(
      `COMMENT ON DATABASE ${template} IS '${JSON.stringify(loaded).replace(/'/g, "''")}'`,
    );
    return { template, loaded };
  } finally {
    await admin.end(); // which releases the advisory lock
  }
}

async function builtSummary(admin: Client, template: string): Promise<DemoDataSummary | null> {
  const { rows } = await admin.query<{ summary: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS summary FROM pg_database WHERE datname = $1`,
    [template],
  );
  return rows[0]?.summary ? (JSON.parse(rows[0].summary) as DemoDataSummary) : null;
}

async function loadInto(template: string, demo: PinnedDemo): Promise<DemoDataSummary> {
  const dataSource = createDataSource({
    url: databaseUrl(template),
    statementTimeoutMs: 120_000,
    poolSize: 1,
    entities,
  });
  await dataSource.initialize();
  try {
    return await loadDemoData(dataSource, demo);
  } finally {
    await dataSource.destroy();
  }
}
