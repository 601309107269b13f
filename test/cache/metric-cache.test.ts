import type { RedisClient } from '../../src/cache/redis-client';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';
import {
  activeUsersBetween,
  dropPrefix,
  mrrAt,
  testRedis,
  uniquePrefix,
} from './support/cache-fixture';

/**
 * The answer cache through GraphQL, on Redis and in memory (no REDIS_URL): the same hits,
 * invalidations and freshness. Every expected value is also computed by plain SQL.
 */
const MARCH = '{ from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }';
const JUNE = '{ from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }';

describe.each(['redis', 'memory'] as const)('answer cache on %s', (mode) => {
  let t: TestServer;
  let redis: RedisClient | undefined;
  const prefix = uniquePrefix(`metric-cache-${mode}`);

  beforeAll(async () => {
    redis = mode === 'redis' ? await testRedis() : undefined;
    t = await startTestServer({ cachePrefix: prefix }, { redis });
    await loadFixture(t.db.dataSource);
    for (const [name, tier] of [
      ['active_users_realtime', 'REALTIME'],
      ['active_users_daily', 'DAILY'],
    ]) {
      await t.query(
        `mutation($d: JSON!) { defineMetric(input: { definition: $d }, reason: "cache test") { name } }`,
        {
          d: {
            name,
            label: name,
            description: `active_users on the ${tier} tier`,
            owner: 'tests',
            unit: 'count',
            type: 'usage',
            measure: 'active_users',
            tier,
            dimensions: ['plan'],
          },
        },
      );
    }
  });
  afterAll(async () => {
    await t.close();
    if (redis) {
      await dropPrefix(redis, prefix);
      await redis.quit();
    }
  });

  const metric = async (name: string, window: string, fresh = false) =>
    (
      await t.query(
        `{ metric(name: "${name}", window: ${window}, fresh: ${fresh}) {
             total freshness { tier computedAt ageSeconds cacheHit source } } }`,
      )
    ).metric;

  test('a second identical query is a hit with source CACHE', async () => {
    const first = await metric('mrr', MARCH);
    expect(first.total).toBe(310); // the fixture's hand-worked March MRR
    expect(first.total).toBe(await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z'));
    expect(first.freshness).toMatchObject({ tier: 'HOURLY', cacheHit: false, source: 'DATABASE' });
    const second = await metric('mrr', MARCH);
    expect(second).toEqual({
      total: 310,
      freshness: {
        tier: 'HOURLY',
        computedAt: first.freshness.computedAt,
        ageSeconds: expect.any(Number),
        cacheHit: true,
        source: 'CACHE',
      },
    });
  });

  test('an upsert that changes MRR makes the next mrr answer recomputed and right', async () => {
    await metric('mrr', MARCH); // cached
    await t.query(
      `mutation { upsertSubscription(input: { externalId: "s-cache", accountExternalId: "a4",
         planCode: "pro", mrr: 80.5, startedAt: "2025-02-15T00:00:00Z" }) { id } }`,
    );
    const after = await metric('mrr', MARCH);
    expect(after.freshness).toMatchObject({ cacheHit: false, source: 'DATABASE' });
    expect(after.total).toBe(390.5);
    expect(after.total).toBe(await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z'));
    expect((await metric('mrr', MARCH)).freshness.source).toBe('CACHE');
  });

  test('fresh: true recomputes and stores; the next plain query hits that answer', async () => {
    const cached = await metric('mrr', MARCH);
    expect(cached.freshness.source).toBe('CACHE');
    const fresh = await metric('mrr', MARCH, true);
    expect(fresh.freshness).toMatchObject({ cacheHit: false, source: 'DATABASE', ageSeconds: 0 });
    expect(fresh.total).toBe(390.5);
    const next = await metric('mrr', MARCH);
    expect(next.freshness).toMatchObject({
      source: 'CACHE',
      computedAt: fresh.freshness.computedAt,
    });
  });

  test('events keep a DAILY answer (with its age) but recompute a REALTIME one', async () => {
    const daily = await metric('active_users_daily', JUNE);
    const realtime = await metric('active_users_realtime', JUNE);
    expect(daily.total).toBe(8);
    expect(realtime.total).toBe(8);
    expect(await activeUsersBetween(t.db.dataSource, '2025-06-01', '2025-07-01')).toBe(8);

    const response = await fetch(`${t.baseUrl}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${t.keys.ingest}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        userId: `u-new-${mode}`,
        event: 'page_viewed',
        timestamp: '2025-06-25T10:00:00Z',
        context: { groupId: 'a1' },
        messageId: `cache-${mode}-1`,
      }),
    });
    expect(response.status).toBe(200);
    expect(await activeUsersBetween(t.db.dataSource, '2025-06-01', '2025-07-01')).toBe(9);
    // Let a whole second pass, so the DAILY answer's age is visibly its real age.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const dailyAfter = await metric('active_users_daily', JUNE);
    expect(dailyAfter.total).toBe(8);
    expect(dailyAfter.freshness).toMatchObject({
      tier: 'DAILY',
      cacheHit: true,
      source: 'CACHE',
      computedAt: daily.freshness.computedAt,
    });
    const age = (Date.now() - Date.parse(daily.freshness.computedAt)) / 1000;
    expect(dailyAfter.freshness.ageSeconds).toBeGreaterThanOrEqual(1);
    expect(dailyAfter.freshness.ageSeconds).toBeLessThanOrEqual(Math.ceil(age));

    const realtimeAfter = await metric('active_users_realtime', JUNE);
    expect(realtimeAfter.total).toBe(9);
    expect(realtimeAfter.freshness).toMatchObject({
      tier: 'REALTIME',
      cacheHit: false,
      source: 'DATABASE',
    });
    // fresh: true brings the DAILY answer up to date on demand.
    expect((await metric('active_users_daily', JUNE, true)).total).toBe(9);
  });

  test('another window, filter or include flag is another entry', async () => {
    const base = await metric('paying_accounts', MARCH);
    const withTest = (
      await t.query(
        `{ metric(name: "paying_accounts", window: ${MARCH}, filter: { includeTest: true }) {
             total freshness { source } } }`,
      )
    ).metric;
    expect(withTest.freshness.source).toBe('DATABASE');
    expect(withTest.total).toBe(base.total + 1); // A5, the test account, pays
    const again = (
      await t.query(
        `{ metric(name: "paying_accounts", window: ${MARCH}, filter: { includeTest: true }) {
             total freshness { source } } }`,
      )
    ).metric;
    expect(again).toEqual({ total: withTest.total, freshness: { source: 'CACHE' } });
  });
});
