import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/** The three metric queries README.md shows run as written. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
});
afterAll(() => t.close());

const README_QUERIES = {
  mrrYearOverYear: `{
  metric(name: "mrr", window: { relative: LAST_12_MONTHS }, grain: MONTH,
         compare: SAME_PERIOD_LAST_YEAR) {
    total
    points { start end value }
    comparison { total change changeRatio points { start value } }
    definition { version }
    freshness { tier computedAt cacheHit }
  }
}`,
  activeAccountsByPlan: `{
  metric(name: "active_accounts", window: { relative: LAST_30_DAYS, timezone: "Europe/Berlin" },
         groupBy: ["plan"]) {
    total
    points { value dimensions }
  }
}`,
  accountsWithMetrics: `{
  accounts(first: 100) {
    edges { node {
      name
      mrr: metric(name: "mrr", window: { relative: MONTH_TO_DATE }) { value }
      metrics(names: ["active_users", "admin_daily_active_account_ratio", "pql_accounts"],
              window: { relative: LAST_30_DAYS }) { name value freshness { tier cacheHit } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`,
};

test.each(Object.entries(README_QUERIES))('%s runs', async (_name, query) => {
  const { body } = await t.graphql(query);
  expect(body.errors).toBeUndefined();
});

test('MRR by month for the last 12 months, with the year before', async () => {
  const data = await t.query(README_QUERIES.mrrYearOverYear);
  expect(data.metric.points).toHaveLength(12);
  expect(data.metric.comparison.points).toHaveLength(12);
  expect(data.metric.definition.version).toBe(1);
  // After the fixture's last change (A1 back in June 2025), MRR stays at $160.
  expect(data.metric.total).toBe(160);
});

test('a page of accounts carries three metrics each', async () => {
  const data = await t.query(README_QUERIES.accountsWithMetrics);
  const acme = data.accounts.edges[0].node;
  expect(acme.name).toBe('Acme');
  expect(acme.mrr.value).toBe(40);
  expect(acme.metrics.map((m: any) => m.name)).toEqual([
    'active_users',
    'admin_daily_active_account_ratio',
    'pql_accounts',
  ]);
});
