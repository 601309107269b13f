import { startTestServer, type TestServer } from '../support/test-server';

/**
 * user_active_months / user_month_bits follow user_activity_monthly through its triggers, the
 * way ingestion writes it (INSERT ... ON CONFLICT per batch), so ungrouped monthly
 * active_users (read from the bits) matches the per-account rollup path.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.db.dataSource.query(`
    INSERT INTO accounts (id, external_id, is_test) OVERRIDING SYSTEM VALUE VALUES
      (1, 'a1', false), (2, 'a2', false), (3, 'test', true);
    INSERT INTO users (id, external_id, is_test) OVERRIDING SYSTEM VALUE VALUES
      (1, 'u1', false), (2, 'u2', false), (3, 'u3', false), (4, 'u4', true);`);
});
afterAll(() => t.close());

async function write(rows: Array<[string, number, number]>) {
  await t.db.dataSource.query(
    `INSERT INTO user_activity_monthly (month, account_id, user_id)
     SELECT * FROM unnest($1::date[], $2::bigint[], $3::bigint[])
     ON CONFLICT (month, account_id, user_id) DO NOTHING`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}

async function activeUsers(groupBy: string[] = []) {
  const data = await t.query(
    `query($groupBy: [String!]) { metric(name: "active_users", grain: MONTH, groupBy: $groupBy, fresh: true,
       window: { from: "2024-11-01T00:00:00Z", to: "2025-03-01T00:00:00Z" }) { total points { value } sql } }`,
    { groupBy },
  );
  return data.metric;
}

test('bits follow inserts across years and accounts; test users and test-only activity are out', async () => {
  await write([
    ['2024-11-01', 1, 1],
    ['2024-12-01', 1, 1],
    ['2025-01-01', 2, 1], // u1 in a second account
    ['2025-01-01', 1, 2],
    ['2025-02-01', 3, 3], // u3 only in the test account: out
    ['2025-02-01', 1, 4], // test user: out
  ]);
  await write([
    ['2025-01-01', 1, 2], // again: no change
    ['2025-02-01', 0, 2], // no account
  ]);
  const bits = await activeUsers();
  // Nov 2024 - Feb 2025 crosses eras: per-account rows OR-ed per user.
  expect(bits.sql[0]).toContain('FROM user_active_months m');
  expect(bits.points.map((p: any) => p.value)).toEqual([1, 1, 2, 1]);
  expect(bits.total).toBe(2);
  // Eras are five years from 2000: 2024 is the last year of era 4, 2025 the first of era 5.
  const rows = await t.db.dataSource.query(
    `SELECT era, user_id::int, months::text FROM user_month_bits ORDER BY 1, 2`,
  );
  expect(rows).toEqual([
    { era: 4, user_id: 1, months: String((1n << 58n) | (1n << 59n)) }, // Nov + Dec 2024
    { era: 5, user_id: 1, months: '1' },
    { era: 5, user_id: 2, months: '3' },
    { era: 5, user_id: 3, months: '2' },
    { era: 5, user_id: 4, months: '2' },
  ]);
});

test('deleting rollup rows clears their bits', async () => {
  await t.db.dataSource.query(
    `DELETE FROM user_activity_monthly WHERE user_id = 1 AND month = '2024-12-01'`,
  );
  const [row] = await t.db.dataSource.query(
    `SELECT months::text FROM user_month_bits WHERE era = 4 AND user_id = 1`,
  );
  expect(row.months).toBe(String(1n << 58n)); // Nov 2024 only
  expect((await activeUsers()).points.map((p: any) => p.value)).toEqual([1, 0, 2, 1]);
});
