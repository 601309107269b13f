import crypto from 'node:crypto';
import type { RedisClient } from '../../src/cache/redis-client';
import { dropPrefix, mrrAt, testRedis, uniquePrefix } from '../cache/support/cache-fixture';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The response cache in front of execution: a persisted metric query repeated by hash is
 * answered from Redis with honest freshness; an upsert invalidates it; scopes and variables
 * never share an entry. Hits are answered before Express (src/server/response-cache-front.ts):
 * revoked keys, missing scopes, CORS, GET, malformed bodies and Redis down behave as on the
 * normal pipeline. Expected values come from plain SQL (mrrAt) and the fixture.
 */
const prefix = uniquePrefix('response-cache');
const ORIGIN = 'https://dash.example.com';
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
async function persisted(window: object, key = t.keys.read, headers: Record<string, string> = {}) {
  const send = async (withText: boolean) => {
    const response = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify({
        ...(withText ? { query: QUERY } : {}),
        variables: { window },
        extensions: { persistedQuery: { version: 1, sha256Hash: HASH } },
      }),
    });
    return {
      status: response.status,
      headers: response.headers,
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
  t = await startTestServer({ cachePrefix: prefix, corsOrigins: [ORIGIN] }, { redis });
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

/** Polls `read` until it returns `expected` (a notification or a reconnect is asynchronous). */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** The request count Prometheus sees for answered POSTs to /graphql. */
async function graphqlPostsCounted(): Promise<number> {
  const response = await fetch(`${t.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${t.keys.admin}` },
  });
  const line = (await response.text())
    .split('\n')
    .find((l) =>
      l.startsWith(
        'harmony_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}',
      ),
    );
  return Number(line?.split(' ').pop() ?? 0);
}

test('each hit says the age of its answer at that serve, which grows, and is counted', async () => {
  const first = await persisted(MARCH);
  expect(first.cache).toBe('hit');
  const computedAt = Date.parse(first.body.data.metric.f.computedAt);
  // Wait until the answer is one whole second older than at the first serve, no longer.
  await new Promise((resolve) =>
    setTimeout(resolve, 1000 - ((Date.now() - computedAt) % 1000) + 20),
  );
  const counted = await graphqlPostsCounted();
  const before = Date.now();
  const second = await persisted(MARCH);
  const after = Date.now();
  expect(second.cache).toBe('hit');
  expect(second.body.data.metric.f).toEqual({
    ...first.body.data.metric.f,
    age: second.body.data.metric.f.age,
  });
  expect(second.body.data.metric.f.age).toBeGreaterThan(first.body.data.metric.f.age);
  expect(second.body.data.metric.f.age).toBeGreaterThanOrEqual(
    Math.floor((before - computedAt) / 1000),
  );
  expect(second.body.data.metric.f.age).toBeLessThanOrEqual(
    Math.floor((after - computedAt) / 1000),
  );
  // Answered before Express, still counted for Prometheus, with a request id.
  expect(await graphqlPostsCounted()).toBe(counted + 1);
  expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('a revoked key is refused even though its response is cached', async () => {
  const unknownKey = await persisted(MARCH, 'hmy_not_a_key_at_all_not_a_key_at_all');
  expect(unknownKey.status).toBe(401);
  for (const revoke of ['by the service', 'by SQL']) {
    const { key, record } = await t.services.apiKeys.create(`dashboard ${revoke}`, ['read']);
    // The key's creation reaches the verdict cache as a NOTIFY that evicts its verdict; until
    // the verdict is cached again a request takes the normal path, so wait for a hit.
    expect(await eventually(async () => (await persisted(MARCH, key)).cache, 'hit')).toBe('hit');
    if (revoke === 'by the service') {
      await t.services.apiKeys.revoke(record.id);
      const refused = await persisted(MARCH, key);
      expect({ status: refused.status, body: refused.body }).toEqual({
        status: 401,
        body: unknownKey.body,
      });
    } else {
      // An operator's UPDATE reaches the verdict cache through the key listener's NOTIFY.
      await t.db.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [
        record.id,
      ]);
      expect(await eventually(async () => (await persisted(MARCH, key)).status, 401)).toBe(401);
      expect((await persisted(MARCH, key)).body).toEqual(unknownKey.body);
    }
  }
});

test('a key without a GraphQL scope gets the same 403 as without the cache', async () => {
  const byHash = await persisted(MARCH, t.keys.ingest);
  const byText = await t.graphql(QUERY, { window: MARCH }, t.keys.ingest);
  expect(byHash.status).toBe(403);
  expect(byHash.body.errors[0].extensions.code).toBe('FORBIDDEN');
  expect(byHash.body).toEqual(byText.body);
});

test('hits carry the CORS headers of a listed origin, and none for another', async () => {
  const listed = await persisted(MARCH, t.keys.read, { origin: ORIGIN });
  expect(listed.cache).toBe('hit');
  expect(listed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  expect(listed.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
  expect(listed.headers.get('vary')).toBe('Origin');
  const other = await persisted(MARCH, t.keys.read, { origin: 'https://elsewhere.example' });
  expect(other.cache).toBe('hit');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  expect(other.headers.get('vary')).toBe('Origin');
});

test('GET with extensions and variables in the query string is a hit, as Apollo allows it', async () => {
  const post = await persisted(MARCH);
  const search = new URLSearchParams({
    variables: JSON.stringify({ window: MARCH }),
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HASH } }),
  });
  const get = (headers: Record<string, string>) =>
    fetch(`${t.baseUrl}/graphql?${search}`, {
      headers: { authorization: `Bearer ${t.keys.read}`, ...headers },
    });
  const hit = await get({ 'apollo-require-preflight': 'true' });
  expect(hit.status).toBe(200);
  expect(hit.headers.get('x-harmony-response-cache')).toBe('hit');
  const body = (await hit.json()) as any;
  expect(body.data.metric.total).toBe(post.body.data.metric.total);
  expect(body.data.metric.f).toMatchObject({ cacheHit: true, source: 'CACHE' });
  // Without a preflight header Apollo refuses a GET (CSRF); the cache does not bypass that.
  const refused = await get({});
  expect(refused.status).toBe(400);
  expect(refused.headers.get('x-harmony-response-cache')).toBeNull();
  expect(await refused.text()).toMatch(/Cross-Site Request Forgery/);
});

test('a body that is not JSON gets the normal 400, and the next request is served', async () => {
  const response = await fetch(`${t.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.read}` },
    body: '{"extensions": {"persistedQuery": ',
  });
  expect(response.status).toBe(400);
  expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  expect((await persisted(MARCH)).cache).toBe('hit');
});

test('with Redis down the request is answered from PostgreSQL, and hits resume after', async () => {
  const expected = await mrrAt(t.db.dataSource, MARCH.from);
  expect((await persisted(MARCH)).cache).toBe('hit');
  await redis.close();
  try {
    for (let i = 0; i < 3; i++) {
      const answer = await persisted(MARCH);
      expect(answer.status).toBe(200);
      expect(answer.cache).not.toBe('hit');
      expect(answer.body.data.metric.total).toBe(expected);
      expect(answer.body.data.metric.f).toMatchObject({ cacheHit: false, source: 'DATABASE' });
    }
  } finally {
    await redis.connect();
  }
  // The circuit breaker lets a probe through after a while; then the cache fills and hits.
  expect(
    await eventually(async () => {
      const answer = await persisted(MARCH);
      return answer.body.data.metric.total === expected ? answer.cache : 'wrong total';
    }, 'hit'),
  ).toBe('hit');
});

test('a relative window is not served past the next quarter hour, when it may resolve anew', async () => {
  const relative = { relative: 'LAST_30_DAYS' };
  expect((await persisted(relative)).cache).toBe('miss');
  const before = Date.now();
  expect((await persisted(relative)).cache).toBe('hit');
  // Every zone's midnight is on a UTC quarter hour: the entry ends at the next one at the latest.
  const quarter = 15 * 60_000;
  const until = (Math.floor(before / quarter) + 1) * quarter;
  const entries: Array<{ key: string; until?: number }> = [];
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}a:response:*`, COUNT: 500 })) {
    for (const key of keys) {
      const value = await redis.get(key);
      entries.push({ key, until: JSON.parse(value!.slice(0, value!.indexOf('\n'))).until });
    }
  }
  const bounded = entries.filter((entry) => entry.until !== undefined);
  expect(bounded.map((entry) => entry.until)).toEqual([until]);
  expect(await redis.pTTL(bounded[0].key)).toBeLessThanOrEqual(until - before);
});
