import crypto from 'node:crypto';
import type { RedisClient } from '../../src/cache/redis-client';
import { dropPrefix, testRedis, uniquePrefix } from '../cache/support/cache-fixture';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Automatic persisted queries (APQ) kept in Redis under the cache's prefix: an unknown hash
 * answers PERSISTED_QUERY_NOT_FOUND, the query text registers it, then the hash alone works,
 * in this server and in another one sharing the Redis.
 */
const prefix = uniquePrefix('apq');
let t: TestServer;
let other: TestServer;
let redis: RedisClient;

const QUERY = 'query PlanCodes { plans(first: 10) { edges { node { code price } } } }';
const HASH = crypto.createHash('sha256').update(QUERY).digest('hex');
const persisted = { persistedQuery: { version: 1, sha256Hash: HASH } };

async function post(server: TestServer, body: unknown) {
  const response = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.keys.read}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  redis = await testRedis();
  t = await startTestServer({ cachePrefix: prefix }, { redis });
  other = await startTestServer({ cachePrefix: prefix }, { redis });
  await t.query('mutation { upsertPlans(inputs: [{ code: "pro", price: 49.5 }]) { id } }');
  await other.query('mutation { upsertPlans(inputs: [{ code: "pro", price: 49.5 }]) { id } }');
});
afterAll(async () => {
  await t.close();
  await other.close();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

test('unknown hash, then registered with its text, then the hash alone answers', async () => {
  const unknown = await post(t, { extensions: persisted });
  expect(unknown.body.errors).toEqual([
    expect.objectContaining({
      message: 'PersistedQueryNotFound',
      extensions: expect.objectContaining({ code: 'PERSISTED_QUERY_NOT_FOUND' }),
    }),
  ]);
  expect(await redis.get(`${prefix}apq:${HASH}`)).toBeNull();

  const expected = { plans: { edges: [{ node: { code: 'pro', price: 49.5 } }] } };
  const registered = await post(t, { query: QUERY, extensions: persisted });
  expect(registered).toEqual({ status: 200, body: { data: expected } });
  expect(await redis.get(`${prefix}apq:${HASH}`)).toBe(QUERY);
  expect(await redis.pTTL(`${prefix}apq:${HASH}`)).toBeGreaterThan(0);

  expect(await post(t, { extensions: persisted })).toEqual({
    status: 200,
    body: { data: expected },
  });
  // Another server on the same Redis knows the hash without ever seeing the text.
  expect(await post(other, { extensions: persisted })).toEqual({
    status: 200,
    body: { data: expected },
  });
});

test('a hash that does not match the text is refused and not stored', async () => {
  const wrong = '0'.repeat(64);
  const refused = await post(t, {
    query: QUERY,
    extensions: { persistedQuery: { version: 1, sha256Hash: wrong } },
  });
  expect(refused.status).toBe(400);
  expect(refused.body.errors[0].message).toMatch(/sha/i);
  expect(await redis.get(`${prefix}apq:${wrong}`)).toBeNull();
});

test('a malformed hash is an unknown hash, never a key chosen by the client', async () => {
  const odd = await post(t, {
    extensions: { persistedQuery: { version: 1, sha256Hash: 'x'.repeat(5000) } },
  });
  expect(odd.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}apq:*`, COUNT: 500 }))
    keys.push(...batch);
  expect(keys).toEqual([`${prefix}apq:${HASH}`]);
});
