import { MAX_API_KEY_LENGTH } from '../../src/domain/api-key/api-key-format';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.services.metrics.syncCatalog('auth tests');
});
afterAll(() => t.close());

const ACCOUNTS = '{ accounts(first: 1) { edges { node { id } } } }';

async function post(headers: Record<string, string>, query = ACCOUNTS) {
  const response = await fetch(`${t.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('authentication', () => {
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

  test('last_used_at is written at most once a minute per key, not on every lookup', async () => {
    const { key, record } = await t.services.apiKeys.create('used', ['read']);
    const lastUsed = async () =>
      (
        await t.db.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [record.id])
      )[0].last_used_at as Date;
    const setLastUsed = (sql: string) =>
      t.db.dataSource.query(`UPDATE api_keys SET last_used_at = ${sql} WHERE id = $1`, [record.id]);
    // A fresh service per lookup: nothing cached, every call reaches the database.
    const lookUp = () => new ApiKeyService(t.db.dataSource).authenticate(key);

    await setLastUsed(`now() - interval '30 seconds'`);
    const recent = await lastUsed();
    expect(await lookUp()).toMatchObject({ name: 'used' });
    expect(await lastUsed()).toEqual(recent);

    await setLastUsed(`now() - interval '2 minutes'`);
    const stale = await lastUsed();
    await lookUp();
    expect((await lastUsed()).getTime()).toBeGreaterThan(stale.getTime() + 60_000);
  });
});

describe('scopes: sync includes read, read cannot write, ingest gets nothing over GraphQL', () => {
  test('an ingest key is refused with 403 FORBIDDEN for every operation, introspection included', async () => {
    const documents = [
      ACCOUNTS,
      '{ __schema { types { name } } }',
      '{ __type(name: "User") { fields { name } } }',
      '{ __typename }',
      'mutation { upsertAccount(input: { externalId: "by-ingest", name: "X" }) { id } }',
      // A typo must not reveal field names either ("Did you mean ...").
      '{ acount { id } }',
    ];
    for (const query of documents) {
      const { status, body } = await post({ authorization: `Bearer ${t.keys.ingest}` }, query);
      expect({ query, status, code: body.errors[0].extensions.code }).toEqual({
        query,
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(body.errors[0].message).toBe(
        'The API key "test ingest" has only the ingest scope, which gives no access to GraphQL ' +
          '(it sends events to /v1); GraphQL needs read, sync, admin',
      );
      expect(body.data).toBeUndefined();
      expect(JSON.stringify(body)).not.toMatch(/Did you mean|accounts|__Schema/);
    }
    const created = await t.db.dataSource.query(
      `SELECT id FROM accounts WHERE external_id = 'by-ingest'`,
    );
    expect(created).toEqual([]);
  });

  test('a read key cannot run a mutation: 403 FORBIDDEN naming sync, nothing written', async () => {
    const { status, body } = await t.graphql(
      'mutation { upsertAccount(input: { externalId: "by-read", name: "Acme" }) { externalId } }',
      {},
      t.keys.read,
    );
    expect(status).toBe(403);
    expect(body.errors).toEqual([
      {
        message: 'The API key "test read" lacks the sync scope needed for a mutation',
        extensions: { code: 'FORBIDDEN', requiredScopes: ['sync'] },
      },
    ]);
    expect(body.data).toBeUndefined();
    expect(
      await t.db.dataSource.query(`SELECT id FROM accounts WHERE external_id = 'by-read'`),
    ).toEqual([]);
  });

  test('a sync key writes and reads: queries, and data nested in mutation results', async () => {
    const sync = t.keys.sync;
    await t.query(
      `mutation {
         upsertAccount(input: { externalId: "acct-sync", name: "Sync Co" }) { externalId }
         upsertUsers(inputs: [
           { externalId: "u-sync-1", email: "one@sync.example" },
           { externalId: "u-sync-2", email: "two@sync.example" }
         ]) { externalId }
       }`,
      {},
      sync,
    );
    const { upsertMembership } = await t.query(
      `mutation {
         upsertMembership(input: { accountExternalId: "acct-sync", userExternalId: "u-sync-2" }) {
           account { users { email } }
         }
       }`,
      {},
      sync,
    );
    await t.query(
      `mutation { upsertMembership(input: { accountExternalId: "acct-sync", userExternalId: "u-sync-1" }) { role } }`,
      {},
      sync,
    );
    expect(upsertMembership.account.users).toEqual([{ email: 'two@sync.example' }]);

    const { account } = await t.query(
      `{ account(externalId: "acct-sync") { name users { email } } }`,
      {},
      sync,
    );
    const emails: Array<{ email: string }> = await t.db.dataSource.query(
      `SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id
       JOIN accounts a ON a.id = m.account_id WHERE a.external_id = 'acct-sync' ORDER BY u.email`,
    );
    expect(emails.map((row) => row.email)).toEqual(['one@sync.example', 'two@sync.example']);
    expect(account.name).toBe('Sync Co');
    expect(account.users.map((user: { email: string }) => user.email).sort()).toEqual(
      emails.map((row) => row.email),
    );
  });

  test('a sync key can introspect; admin-only fields stay admin-only (MetricResult.sql)', async () => {
    const { __type } = await t.query('{ __type(name: "User") { name } }', {}, t.keys.sync);
    expect(__type).toEqual({ name: 'User' });
    const { status, body } = await t.graphql(
      '{ metric(name: "mrr", window: { relative: LAST_7_DAYS }) { total sql } }',
      {},
      t.keys.sync,
    );
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toEqual({ code: 'FORBIDDEN', requiredScopes: ['admin'] });
    expect(body.errors[0].message).toBe(
      'The API key "test sync" lacks the admin scope needed for MetricResult.sql',
    );
    const withoutSql = await t.query(
      '{ metric(name: "mrr", window: { relative: LAST_7_DAYS }) { total } }',
      {},
      t.keys.sync,
    );
    expect(withoutSql.metric).toEqual({ total: 0 });
  });

  test('a read key reads but cannot read admin-only fields', async () => {
    expect((await t.graphql(ACCOUNTS, {}, t.keys.read)).status).toBe(200);
    const denied = await t.graphql(
      '{ metric(name: "mrr", window: { relative: LAST_7_DAYS }) { sql } }',
      {},
      t.keys.read,
    );
    expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('over-long keys', () => {
  test(`a bearer key over ${MAX_API_KEY_LENGTH} characters gets 401 naming the limit, with no lookup`, async () => {
    t.db.statements.length = 0;
    const { status, body } = await post({ authorization: `Bearer hmy_${'x'.repeat(10_000)}` });
    expect(status).toBe(401);
    expect(body.errors).toEqual([
      {
        message: 'API key is 10004 characters long; keys are at most 256',
        extensions: { code: 'UNAUTHENTICATED', maxLength: 256 },
      },
    ]);
    expect(t.db.statements).toEqual([]);
  });
});

test('/health reports database up and redis disabled without REDIS_URL', async () => {
  const response = await fetch(`${t.baseUrl}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok', database: 'up', redis: 'disabled' });
  expect((await fetch(`${t.baseUrl}/ready`)).status).toBe(200);
});
