import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/database';
import { entities } from '../../src/domain/entities';
import { runScript } from '../cli/run-script';
import { useDatabaseWithLockHolder } from './support/lock-holder';

class AddProbeColumn9999999999999 implements MigrationInterface {
  name = 'AddProbeColumn9999999999999';
  async up(runner: QueryRunner) {
    await runner.query(`ALTER TABLE accounts ADD COLUMN ops_probe integer`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`ALTER TABLE accounts DROP COLUMN ops_probe`);
  }
}

class SlowMigration9999999999998 implements MigrationInterface {
  name = 'SlowMigration9999999999998';
  async up(runner: QueryRunner) {
    await runner.query(`SELECT pg_sleep(0.5)`);
  }
  async down() {}
}

const t = useDatabaseWithLockHolder();

/** A data source over the test database with only the given migrations, statement timeout 100 ms. */
async function dataSourceWith(migrations: Function[]) {
  const dataSource = createDataSource({
    url: t.db.url,
    statementTimeoutMs: 100,
    poolSize: 2,
    entities,
    migrations,
  });
  await dataSource.initialize();
  return dataSource;
}

test('a migration blocked by a lock fails after the lock timeout, rolled back, with a clear message', async () => {
  const dataSource = await dataSourceWith([AddProbeColumn9999999999999]);
  try {
    // A long read transaction on accounts: ALTER TABLE needs an exclusive lock.
    await t.holder.query('BEGIN');
    await t.holder.query('SELECT count(*) FROM accounts');
    const error = (await migrate(dataSource, { lockTimeoutMs: 300 }).catch((e) => e)) as Error;
    await t.holder.query('ROLLBACK');
    expect(error.message).toBe(
      'A migration waited more than 300 ms for a lock (HARMONY_MIGRATION_LOCK_TIMEOUT_MS) and ' +
        'was rolled back: another session holds a lock on a table it changes (statement: ALTER ' +
        "TABLE accounts ADD COLUMN ops_probe integer). End that session's transaction (see " +
        'pg_stat_activity, pg_locks) and run the migration again.',
    );
    const applied = await dataSource.query(
      `SELECT name FROM harmony_migrations WHERE name = 'AddProbeColumn9999999999999'`,
    );
    expect(applied).toEqual([]);

    // With the lock gone it applies, and the pool's connections kept their own timeouts.
    expect(await migrate(dataSource, { lockTimeoutMs: 300 })).toEqual([
      'AddProbeColumn9999999999999',
    ]);
    const settings = await Promise.all([1, 2].map(() => dataSource.query(`SHOW lock_timeout`)));
    expect(settings).toEqual([[{ lock_timeout: '0' }], [{ lock_timeout: '0' }]]);
  } finally {
    await dataSource.destroy();
  }
});

test('migrations run without the statement timeout', async () => {
  const dataSource = await dataSourceWith([SlowMigration9999999999998]);
  try {
    // The data source's statement timeout is 100 ms; the migration sleeps 500 ms.
    expect(await migrate(dataSource)).toEqual(['SlowMigration9999999999998']);
    expect(await dataSource.query(`SHOW statement_timeout`)).toEqual([
      { statement_timeout: '100ms' },
    ]);
  } finally {
    await dataSource.destroy();
  }
});

test('npm run migrate fails, not hangs, while another session holds a lock', async () => {
  await t.holder.query('BEGIN');
  await t.holder.query('LOCK TABLE harmony_migrations IN ACCESS EXCLUSIVE MODE');
  const previous = process.env.HARMONY_MIGRATION_LOCK_TIMEOUT_MS;
  process.env.HARMONY_MIGRATION_LOCK_TIMEOUT_MS = '500';
  try {
    const result = await runScript('migrate.ts', [], t.db.url);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^A migration waited more than 500 ms for a lock \(HARMONY_MIGRATION_LOCK_TIMEOUT_MS\)/,
    );
  } finally {
    if (previous === undefined) delete process.env.HARMONY_MIGRATION_LOCK_TIMEOUT_MS;
    else process.env.HARMONY_MIGRATION_LOCK_TIMEOUT_MS = previous;
    await t.holder.query('ROLLBACK');
  }
});
