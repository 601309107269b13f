import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function tables(): Promise<string[]> {
  const rows: Array<{ tablename: string }> = await db.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename !~ '^events_' ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

test('every migration reverts cleanly and applies again', async () => {
  const migrated = await tables();
  expect(migrated).toEqual(
    expect.arrayContaining(['accounts', 'subscription_history', 'events', 'event_counts_daily']),
  );
  const count = db.dataSource.migrations.length;
  for (let i = 0; i < count; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
  expect(await tables()).toEqual(['harmony_migrations']);
  const applied = await db.dataSource.runMigrations({ transaction: 'each' });
  expect(applied).toHaveLength(count);
  expect(await tables()).toEqual(migrated);
});
