import { startTestServer, type TestServer } from '../support/test-server';
import { connectLive, subscribe } from './support/live-client';

/** Subscriptions over graphql-ws take the same API keys, scopes and query limits as HTTP. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const MRR_JUNE = `subscription {
  metricChanged(name: "mrr", window: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) {
    name value previousValue tier window { from to timezone }
  }
}`;

test('a connection without a key is closed with 4401 Unauthorized', async () => {
  const { client, closed } = connectLive(t.baseUrl, null);
  expect(await closed).toEqual({
    code: 4401,
    reason: 'Unauthorized: send connectionParams { authorization: "Bearer <key>" }',
  });
  await client.dispose();
});

test('an unknown key is closed with 4403 Forbidden; so is an ingest-only key', async () => {
  const unknown = connectLive(t.baseUrl, 'hk_not_a_key_at_all_0123456789abcdef');
  expect(await unknown.closed).toEqual({
    code: 4403,
    reason: 'Forbidden: unknown or revoked API key',
  });
  const ingest = connectLive(t.baseUrl, t.keys.ingest);
  expect(await ingest.closed).toEqual({
    code: 4403,
    reason: 'Forbidden: the key has only the ingest scope; GraphQL needs read',
  });
  await Promise.all([unknown.client.dispose(), ingest.client.dispose()]);
});

test('a read key subscribes; the first message is the current value', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const subscription = subscribe(client, MRR_JUNE);
  expect(await subscription.next()).toEqual({
    data: {
      metricChanged: {
        name: 'mrr',
        value: 0,
        previousValue: null,
        tier: 'HOURLY',
        window: {
          from: '2025-06-01T00:00:00.000Z',
          to: '2025-07-01T00:00:00.000Z',
          timezone: 'UTC',
        },
      },
    },
  });
  subscription.dispose();
  await client.dispose();
});

test('a mutation over the socket needs the sync scope, like over HTTP', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const mutation = subscribe(
    client,
    `mutation { upsertAccount(input: { externalId: "ws-1", name: "Over a socket" }) { id } }`,
  );
  const [error] = (await mutation.failed) as Array<{ message: string; extensions: any }>;
  expect(error.message).toBe('The API key "test read" lacks the sync scope needed for a mutation');
  expect(error.extensions.code).toBe('FORBIDDEN');
  await client.dispose();
});

test('documents over the limits are refused with the same codes as over HTTP', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const costly = subscribe(
    client,
    '{ accounts(first: 100) { edges { node { users(first: 300) { id } } } } }',
  );
  const [tooComplex] = (await costly.failed) as Array<{ message: string; extensions: any }>;
  expect(tooComplex.extensions).toMatchObject({
    code: 'QUERY_TOO_COMPLEX',
    complexity: 1 + 100 * (1 + 1 + 1 + 300),
  });
  const aliases = Array.from({ length: 51 }, (_, i) => `a${i}: value`).join(' ');
  const aliased = subscribe(
    client,
    `subscription { metricChanged(name: "mrr", window: { relative: LAST_7_DAYS }) { ${aliases} } }`,
  );
  const [tooManyAliases] = (await aliased.failed) as Array<{ extensions: any }>;
  expect(tooManyAliases.extensions.code).toBe('TOO_MANY_ALIASES');
  await client.dispose();
});

test('a bad metric name fails that subscription and leaves the connection open', async () => {
  const { client, connected } = connectLive(t.baseUrl, t.keys.read);
  await connected;
  const bad = subscribe(
    client,
    `subscription { metricChanged(name: "no_such_metric", window: { relative: LAST_7_DAYS }) { value } }`,
  );
  const result = await Promise.race([bad.next(), bad.failed]);
  const errors = Array.isArray(result) ? result : (result as any).errors;
  expect(errors[0].extensions.code).toBe('UNKNOWN_METRIC');
  const good = subscribe(client, MRR_JUNE);
  expect((await good.next()).data).toMatchObject({ metricChanged: { value: 0 } });
  await client.dispose();
});

test('a key revoked mid-connection closes its sockets with 4403', async () => {
  const { key, record } = await t.services.apiKeys.create('dashboard', ['read']);
  const { client, connected, closed } = connectLive(t.baseUrl, key);
  await connected;
  const subscription = subscribe(client, MRR_JUNE);
  await subscription.next();
  await t.services.apiKeys.revoke(String(record.id));
  expect(await closed).toEqual({
    code: 4403,
    reason: 'Forbidden: the API key was revoked or lost its scopes',
  });
  await client.dispose();
});
