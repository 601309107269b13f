import crypto from 'node:crypto';
import type { RedisClient } from '../../src/cache/redis-client';
import { dropPrefix, mrrAt, testRedis, uniquePrefix } from '../cache/support/cache-fixture';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The response cache in front of execution: a persisted metric query repeated by hash is
 * answered from Redis with honest freshness; an upsert invalidates it; scopes and variables
 * never share an entry. Expected values come from plain SQL (mrrAt) and the fixture.
 */
const prefix = uniquePrefix('response-cache');
let t: TestServer;
let redis: RedisClient;

const QUERY = `query Mrr($window: WindowInput!) {
  metric(name: "mrr", window: $window) {
    total
    f: freshness { tier computedAt age: ageSeconds cacheHit source }
  }
}`;
const HASH = crypto.createHash('sha256').update(QUERY).digest('hex');
const MARCH = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
const APRIL = { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' };

/** Sends the query by hash (registering it on PERSISTED_QUERY_NOT_FOUND, as Apollo clients do). */
async function persisted(window: object, key = t.keys.read) {
  const send = async (withText: boolean) => {
    const response = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        ...(withText ? { query: QUERY } : {}),
        variables: { window },
        extensions: { persistedQuery: { version: 1, sha256Hash: HASH } },
      }),
    });
    return {
      cache: response.headers.get('x-harmony-response-cache'),
      body: (await response.json()) as any,
    };
  };
  const first = await send(false);
  if (first.body.errors?.[0]?.extensions?.code !== 'PERSISTED_QUERY_NOT_FOUND') return first;
  return send(true);
}

beforeAll(async () => {
  redis = await testRedis();
  t = await startTestServer({ cachePrefix: prefix }, { redis });
  await loadFixture(t.db.dataSource);
});
afterAll(async () => {
  await t.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

test('a second identical persisted request is served from the cache, saying so', async () => {
  const first = await persisted(MARCH);
  expect(first.cache).toBe('miss');
  expect(first.body.data.metric.total).toBe(await mrrAt(t.db.dataSource, MARCH.from));
  const computedAt = Date.parse(first.body.data.metric.f.computedAt);

  const before = Date.now();
  const second = await persisted(MARCH);
  const after = Date.now();
  expect(second.cache).toBe('hit');
  expect(second.body).toEqual({
    data: {
      metric: {
        total: first.body.data.metric.total,
        f: {
          tier: 'HOURLY',
          computedAt: first.body.data.metric.f.computedAt,
          age: expect.any(Number),
          cacheHit: true,
          source: 'CACHE',
        },
      },
    },
  });
  // The age is the answer's age at this serve, not the one stored with it.
  expect(second.body.data.metric.f.age).toBeGreaterThanOrEqual(
    Math.floor((before - computedAt) / 1000),
  );
  expect(second.body.data.metric.f.age).toBeLessThanOrEqual(
    Math.floor((after - computedAt) / 1000),
  );
});

test('an upsert that changes MRR invalidates the cached response', async () => {
  const cached = await persisted(MARCH);
  expect(cached.cache).toBe('hit');
  await t.query(
    `mutation { upsertSubscription(input: { externalId: "s-response-cache", accountExternalId: "a4",
       planCode: "pro", mrr: 80.5, startedAt: "2025-02-15T00:00:00Z" }) { id } }`,
  );
  const expected = await mrrAt(t.db.dataSource, MARCH.from);
  expect(expected).toBe(cached.body.data.metric.total + 80.5);

  // The write's generation bump lands after its commit; the next request must not serve the old.
  const after = await persisted(MARCH);
  expect(after.cache).toBe('miss');
  expect(after.body.data.metric.total).toBe(expected);
  const again = await persisted(MARCH);
  expect(again.cache).toBe('hit');
  expect(again.body.data.metric.total).toBe(expected);
});

test('different variables and different scopes do not share an entry', async () => {
  const march = await persisted(MARCH);
  expect(march.cache).toBe('hit');
  const april = await persisted(APRIL);
  expect(april.cache).toBe('miss');
  expect(april.body.data.metric.total).toBe(await mrrAt(t.db.dataSource, APRIL.from));

  const asAdmin = await persisted(MARCH, t.keys.admin);
  expect(asAdmin.cache).toBe('miss');
  expect(asAdmin.body.data.metric.total).toBe(march.body.data.metric.total);
  expect((await persisted(MARCH, t.keys.admin)).cache).toBe('hit');
});

test('fresh: true is never served from nor stored in the response cache', async () => {
  const FRESH = QUERY.replace('window: $window)', 'window: $window, fresh: true)');
  const hash = crypto.createHash('sha256').update(FRESH).digest('hex');
  const send = async () => {
    const response = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.read}` },
      body: JSON.stringify({
        query: FRESH,
        variables: { window: MARCH },
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      }),
    });
    return {
      cache: response.headers.get('x-harmony-response-cache'),
      body: (await response.json()) as any,
    };
  };
  for (let i = 0; i < 2; i++) {
    const answer = await send();
    expect(answer.cache).toBeNull();
    expect(answer.body.data.metric.f).toMatchObject({ cacheHit: false, source: 'DATABASE' });
  }
});
