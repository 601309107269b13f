import type { RedisClient } from '../../src/cache/redis-client';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';
import { dropPrefix, mrrAt, testRedis, uniquePrefix } from './support/cache-fixture';

/**
 * Account.metric on a page of accounts: one MGET per (metric, window) for the whole page, and
 * only the accounts missing from the cache computed, together in one statement.
 */
let t: TestServer;
let redis: RedisClient;
const prefix = uniquePrefix('account-metric-cache');

beforeAll(async () => {
  redis = await testRedis();
  t = await startTestServer({ cachePrefix: prefix }, { redis });
  await loadFixture(t.db.dataSource);
  // 30 more paying accounts, each with its own amount: $10 + $1 × n since 2025-01-01.
  await t.db.dataSource.query(`
    INSERT INTO accounts (external_id, name, created_at)
    SELECT 'bulk-' || n, 'Bulk ' || n, '2024-12-01T00:00:00Z' FROM generate_series(1, 30) n;
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
    SELECT 'bulk-s-' || a.id, a.id, 1, 'ACTIVE', 1000 + 100 * a.id, '2025-01-01T00:00:00Z'
    FROM accounts a WHERE a.external_id LIKE 'bulk-%';
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT s.id, s.account_id, 1, 'ACTIVE', s.mrr_minor, 'USD', '2025-01-01T00:00:00Z'
    FROM subscriptions s WHERE s.external_id LIKE 'bulk-s-%';`);
});
afterAll(async () => {
  await t.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

const PAGE = `query($first: Int!) {
  accounts(first: $first) {
    edges { node {
      id
      mrr: metric(name: "mrr", window: { from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }) {
        value freshness { tier cacheHit source }
      }
    } }
  }
}`;

/** The page, the metric statements it ran, and the MGETs it sent to Redis. */
async function page(first: number) {
  const mget = jest.spyOn(t.services.cache.store, 'mget');
  t.db.statements.length = 0;
  try {
    const data = await t.query(PAGE, { first });
    const nodes: Array<{ id: string; mrr: any }> = data.accounts.edges.map((e: any) => e.node);
    return {
      nodes,
      metricStatements: t.db.statements.filter((sql) => sql.includes('subscription_history')),
      mgets: mget.mock.calls.map(([keys]) => keys.length),
    };
  } finally {
    mget.mockRestore();
  }
}

test('a page of accounts: values equal SQL; the second request is all hits; one new account is computed alone', async () => {
  const first = await page(20);
  expect(first.nodes).toHaveLength(20);
  for (const node of first.nodes) {
    expect(node.mrr.value).toBe(await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z', node.id));
    expect(node.mrr.freshness).toEqual({ tier: 'HOURLY', cacheHit: false, source: 'DATABASE' });
  }
  expect(first.nodes.filter((n) => n.mrr.value > 0).length).toBeGreaterThan(10);
  expect(first.metricStatements).toHaveLength(1);

  const second = await page(20);
  expect(second.nodes.map((n) => n.mrr.value)).toEqual(first.nodes.map((n) => n.mrr.value));
  expect(second.nodes.every((n) => n.mrr.freshness.source === 'CACHE')).toBe(true);
  expect(second.metricStatements).toHaveLength(0);
  // One MGET: 20 entries and the generations they are checked against.
  expect(second.mgets).toEqual([20 + 2]);

  const third = await page(21);
  expect(third.nodes.slice(0, 20).every((n) => n.mrr.freshness.source === 'CACHE')).toBe(true);
  const added = third.nodes[20];
  expect(added.mrr.freshness).toEqual({ tier: 'HOURLY', cacheHit: false, source: 'DATABASE' });
  expect(added.mrr.value).toBe(await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z', added.id));
  expect(third.metricStatements).toHaveLength(1);
});

test('Account.metrics with fresh: true recomputes every account, in one statement per metric', async () => {
  const data = await t.query(`{
    accounts(first: 5) { edges { node {
      metrics(names: ["mrr"], window: { from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }, fresh: true) {
        value freshness { source }
      }
    } } }
  }`);
  const sources = data.accounts.edges.map((e: any) => e.node.metrics[0].freshness.source);
  expect(sources).toEqual(Array(5).fill('DATABASE'));
});
