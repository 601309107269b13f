import type { DemoDataSummary } from '../../src/demo/demo-data';
import { loadSyntheticEvents } from '../../src/demo/bulk-events';
import { createDemoTestDatabase, type TestDatabase } from '../support/test-database';
import { rollupDifferences } from './support/ingest-helpers';

const NOW = new Date('2026-03-15T12:00:00Z');
let db: TestDatabase;
let loaded: DemoDataSummary;

beforeAll(async () => {
  ({ db, loaded } = await createDemoTestDatabase({ seed: 7, now: NOW }));
});
afterAll(() => db.drop());

const one = async (sql: string) => (await db.dataSource.query(sql))[0];

test('the demo has 90 days of product events ending before now, rollups exact', async () => {
  const row = await one(
    `SELECT count(*)::int AS n, min(occurred_at) AS first, max(occurred_at) AS last FROM events`,
  );
  expect(row.n).toBe(loaded.events);
  expect(row.n).toBeGreaterThan(100_000);
  // From the start of the UTC day 90 days back.
  expect(new Date(row.first).toISOString() >= '2025-12-15T00:00:00.000Z').toBe(true);
  expect(new Date(row.last).getTime()).toBeLessThan(NOW.getTime());
  expect(await rollupDifferences(db.dataSource)).toEqual([]);
});

test('sign-ins, feature use, invites, help clicks and a few demo requests', async () => {
  const rows: Array<{ key: string; n: number }> = await db.dataSource.query(
    `SELECT d.key, count(*)::int AS n FROM events e JOIN event_definitions d ON d.id = e.definition_id GROUP BY d.key`,
  );
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r.n]));
  for (const key of ['Signed In', 'Report Viewed', 'Export Run', 'Invite Sent', 'Help Clicked'])
    expect(byKey[key]).toBeGreaterThan(100);
  expect(byKey['Demo Requested']).toBeGreaterThan(0);
  expect(byKey['Demo Requested']).toBeLessThan(byKey['Help Clicked']);
});

test('administrators of subscribed accounts are active on most weekdays', async () => {
  const row = await one(`
    WITH admins AS (
      SELECT m.user_id, m.account_id FROM memberships m
      WHERE m.role_code = 'ADMINISTRATOR' AND m.left_at IS NULL AND m.deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = m.account_id
                    AND s.status_code <> 'CANCELED' AND (s.ended_at IS NULL OR s.ended_at > '${NOW.toISOString()}'))
    ),
    weekdays AS (
      SELECT a.user_id, count(*) AS active FROM admins a
      JOIN user_activity_daily d ON d.user_id = a.user_id AND d.account_id = a.account_id
      WHERE extract(isodow FROM d.day) < 6 AND d.day >= '2026-01-01'
      GROUP BY a.user_id
    )
    SELECT count(*)::int AS admins, percentile_cont(0.5) WITHIN GROUP (ORDER BY active) AS median
    FROM weekdays`);
  expect(row.admins).toBeGreaterThan(50);
  // 2026-01-01 .. 2026-03-15 holds 52 weekdays.
  expect(row.median).toBeGreaterThan(40);
});

test('users who joined in the period have a first session; some hold more than three actions', async () => {
  const row = await one(`
    WITH firsts AS (
      SELECT DISTINCT ON (d.user_id) d.user_id, d.event_count
      FROM user_activity_daily d JOIN users u ON u.id = d.user_id
      WHERE u.created_at >= '${new Date(NOW.getTime() - 80 * 86_400_000).toISOString()}'
      ORDER BY d.user_id, d.day
    )
    SELECT count(*) FILTER (WHERE event_count > 3)::int AS activated,
           count(*) FILTER (WHERE event_count <= 3)::int AS not_activated FROM firsts`);
  expect(row.activated).toBeGreaterThan(10);
  expect(row.not_activated).toBeGreaterThan(5);
});

test('lastSeenAt of users and accounts is the time of their latest event', async () => {
  const row = await one(`
    SELECT count(*)::int AS wrong FROM users u
    JOIN (SELECT user_id, max(occurred_at) AS at FROM events GROUP BY user_id) e ON e.user_id = u.id
    WHERE u.last_seen_at < e.at`);
  expect(row.wrong).toBe(0);
});

test('synthetic events for benchmarks load in chunks and keep rollups exact', async () => {
  const before = (await one(`SELECT count(*)::int AS n FROM events`)).n;
  const progress: number[] = [];
  const { stored } = await loadSyntheticEvents(db.dataSource, {
    count: 25_000,
    chunkSize: 10_000,
    now: NOW,
    onProgress: (n) => progress.push(n),
  });
  expect(stored).toBe(25_000);
  expect(progress).toEqual([10_000, 20_000, 25_000]);
  expect((await one(`SELECT count(*)::int AS n FROM events`)).n).toBe(before + 25_000);
  expect(await rollupDifferences(db.dataSource)).toEqual([]);
});
