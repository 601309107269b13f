import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const ACCOUNTS = '{ accounts(first: 1) { edges { node { id } } } }';

async function post(headers: Record<string, string>) {
  const response = await fetch(`${t.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: ACCOUNTS }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

test('a request without a key gets 401 with a JSON error', async () => {
  const { status, body } = await post({});
  expect(status).toBe(401);
  expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect(body.errors[0].message).toMatch(/Bearer/);
});

test('an unknown key gets 401', async () => {
  const { status, body } = await post({ authorization: 'Bearer hmy_not_a_real_key' });
  expect(status).toBe(401);
  expect(body.errors[0].message).toBe('Unknown or revoked API key');
});

test('a revoked key gets 401', async () => {
  const { key, record } = await t.services.apiKeys.create('short-lived', ['read']);
  expect((await post({ authorization: `Bearer ${key}` })).status).toBe(200);
  expect(await t.services.apiKeys.revoke(record.id)).toBe(1);
  expect((await post({ authorization: `Bearer ${key}` })).status).toBe(401);
});

test('a key without the read scope gets FORBIDDEN naming the scope', async () => {
  const { status, body } = await t.graphql(ACCOUNTS, {}, t.keys.ingest);
  expect(status).toBe(200);
  expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
  expect(body.errors[0].message).toContain('read');
});

test('a read key cannot write, a sync key can', async () => {
  const mutation =
    'mutation { upsertAccount(input: { externalId: "a-1", name: "Acme" }) { externalId name } }';
  const denied = await t.graphql(mutation, {}, t.keys.read);
  expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
  const allowed = await t.query(mutation, {}, t.keys.sync);
  expect(allowed.upsertAccount).toEqual({ externalId: 'a-1', name: 'Acme' });
});

test('/health reports database up and redis disabled without REDIS_URL', async () => {
  const response = await fetch(`${t.baseUrl}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok', database: 'up', redis: 'disabled' });
  expect((await fetch(`${t.baseUrl}/ready`)).status).toBe(200);
});
