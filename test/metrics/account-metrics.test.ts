import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/** Account.metric / Account.metrics: values per account, batched per (metric, window). */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
  // 100 more paying accounts: $10 each on the basic plan since 2025-01-01.
  await t.db.dataSource.query(`
    INSERT INTO accounts (external_id, name, created_at)
    SELECT 'bulk-' || n, 'Bulk ' || n, '2024-12-01T00:00:00Z' FROM generate_series(1, 100) n;
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
    SELECT 'bulk-s-' || a.id, a.id, 1, 'ACTIVE', 1000, '2025-01-01T00:00:00Z'
    FROM accounts a WHERE a.external_id LIKE 'bulk-%';
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT s.id, s.account_id, 1, 'ACTIVE', 1000, 'USD', '2025-01-01T00:00:00Z'
    FROM subscriptions s WHERE s.external_id LIKE 'bulk-s-%';`);
});
afterAll(() => t.close());

const PAGE = `query($first: Int!) {
  accounts(first: $first) {
    edges { node {
      externalId
      mrr: metric(name: "mrr", window: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) {
        value freshness { tier cacheHit }
      }
      metrics(names: ["active_users", "nrr"], window: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) {
        name value
      }
    } }
  }
}`;

test('per-account values: MRR at the window start, distinct active users, NRR', async () => {
  const data = await t.query(PAGE, { first: 7 });
  const byAccount = Object.fromEntries(
    data.accounts.edges.map(({ node }: any) => [
      node.externalId,
      [node.mrr.value, ...node.metrics.map((m: any) => Math.round(m.value * 1e6) / 1e6)],
    ]),
  );
  expect(byAccount).toEqual({
    a1: [0, 2, 0],
    a2: [100, 2, 1],
    a3: [20, 2, 1],
    a4: [0, 3, 0],
    a5: [0, 0, 0], // isTest: kept out of metrics
    a7: [0, 0, 0], // a6 is soft-deleted: not listed
    'bulk-1': [10, 0, 1],
  });
  expect(data.accounts.edges[1].node.mrr.freshness).toEqual({ tier: 'HOURLY', cacheHit: false });
});

test('a page of 100 accounts with three metrics runs as many statements as a page of 10', async () => {
  await t.query(PAGE, { first: 1 }); // warms the API key and definition caches
  const countFor = async (first: number) => {
    t.db.statements.length = 0;
    const data = await t.query(PAGE, { first });
    expect(data.accounts.edges).toHaveLength(first);
    return t.db.statements.length;
  };
  const ten = await countFor(10);
  const hundred = await countFor(100);
  expect(hundred).toBe(ten);
  // Three metric statements (each inside BEGIN / set_config(statement_timeout...) / COMMIT).
  const metricStatements = t.db.statements.filter((s) => s.includes('WITH'));
  expect(metricStatements).toHaveLength(3);
});
