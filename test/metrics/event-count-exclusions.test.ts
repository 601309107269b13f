import { rebuildActivityRollups } from '../../src/metrics/rollup-rebuild';
import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/**
 * A count over UTC days reads event_counts_daily, which has no user column: the events of
 * test and deleted users must still be left out (as the raw-event path does), unless asked for.
 * June 2025 page views (fixture): 18 by real users; u5 (test user, in a1) 1, u6 (deleted, a2) 1,
 * u7 (in the test account a5) 1; plus, added here, 1 by u5 in a8, an account with no other
 * events.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
  await t.db.dataSource.query(`
    INSERT INTO accounts (id, external_id, name, created_at) OVERRIDING SYSTEM VALUE
    VALUES (8, 'a8', 'Only a test user', '2025-01-01T00:00:00Z');
    INSERT INTO events (definition_id, type, user_id, account_id, occurred_at, received_at, message_id, properties)
    VALUES (1, 'track', 5, 8, '2025-06-07T10:00:00Z', '2025-06-07T10:00:00Z', 'a8-test', '{}');`);
  await rebuildActivityRollups(t.db.dataSource);
  for (const [name, extra] of [
    ['page_views', { type: 'count' }],
    ['viewing_accounts', { type: 'count_distinct', of: 'account' }],
  ] as const) {
    await t.query(
      `mutation($input: DefineMetricInput!) { defineMetric(input: $input, reason: "test") { name } }`,
      {
        input: {
          definition: {
            name,
            label: name,
            description: name,
            owner: 'tests',
            unit: 'count',
            event: 'page_viewed',
            dimensions: ['account'],
            ...extra,
          },
        },
      },
    );
  }
});
afterAll(() => t.close());

const JUNE = { from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };

async function metric(
  name: string,
  filter: Record<string, unknown> = {},
  groupBy?: string[],
  grain: string | null = 'DAY',
) {
  const data = await t.query(
    `query($name: String!, $window: WindowInput!, $filter: MetricFilterInput, $groupBy: [String!], $grain: Grain) {
      metric(name: $name, window: $window, filter: $filter, groupBy: $groupBy, grain: $grain) {
        total points { dimensions value }
        sql
      }
    }`,
    { name, window: JUNE, filter, groupBy, grain },
  );
  return data.metric;
}

test('a count over UTC days leaves out test and deleted users unless included', async () => {
  const plain = await metric('page_views');
  expect(plain.sql.join()).toContain('event_counts_daily'); // the rollup answered
  expect(plain.total).toBe(18);
  expect((await metric('page_views', { includeTest: true })).total).toBe(21);
  expect((await metric('page_views', { includeDeleted: true })).total).toBe(19);
  expect((await metric('page_views', { includeTest: true, includeDeleted: true })).total).toBe(22);
});

test('per account and per day the same: a1 has 5 page views of real users, not 6', async () => {
  const byAccount = await metric('page_views', {}, ['account'], null);
  const totals = Object.fromEntries(
    byAccount.points.map((p: any) => [p.dimensions.account, p.value]),
  );
  // Shown by external id (fixture: account n is "an").
  expect(totals).toEqual({ a1: 5, a2: 2, a3: 2, a4: 9 });
  const daily = await metric('page_views');
  // June 2 (index 1): u1 4, u2 1 in a1, u3 at 23:30 in a2; u5's page view is left out.
  expect(daily.points[1].value).toBe(6);
});

test('distinct accounts count an account only if a counted user was active in it', async () => {
  expect((await metric('viewing_accounts')).total).toBe(4);
  // a5 (test account) and a8 (only a test user's event) come back with test data included.
  expect((await metric('viewing_accounts', { includeTest: true })).total).toBe(6);
});
