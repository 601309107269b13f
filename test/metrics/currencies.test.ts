import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/** Amounts in different currencies are never added: Account.mrr and the metrics refuse alike. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
  // a3 (basic, $20 in USD) also pays €15 from 2025-05-01.
  await t.db.dataSource.query(`
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, currency, started_at)
    VALUES ('eur', 3, 1, 'ACTIVE', 1500, 'EUR', '2025-05-01T00:00:00Z');
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT id, 3, 1, 'ACTIVE', 1500, 'EUR', '2025-05-01T00:00:00Z' FROM subscriptions WHERE external_id = 'eur';`);
});
afterAll(() => t.close());

const METRIC = `query($name: String!, $window: WindowInput!, $groupBy: [String!]) {
  metric(name: $name, window: $window, groupBy: $groupBy) { total }
}`;
const APRIL = { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' };
const JUNE = { from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };

test('Account.mrr and Account.currency refuse an account paying in two currencies', async () => {
  const { body } = await t.graphql(`{
    a2: account(externalId: "a2") { mrr currency }
    a3: account(externalId: "a3") { mrr }
  }`);
  expect(body.data.a2).toEqual({ mrr: 100, currency: 'USD' });
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0].extensions.code).toBe('MIXED_CURRENCIES');
  expect(body.errors[0].message).toBe(
    'account "a3" pays in more than one currency (EUR … USD); Harmony does not add amounts in different currencies',
  );
});

test('mrr, arpa, net new and NRR refuse to add them; counts of accounts do not', async () => {
  for (const name of ['mrr', 'arr', 'arpa', 'net_new_mrr', 'nrr']) {
    const { body } = await t.graphql(METRIC, { name, window: JUNE });
    expect({ name, code: body.errors?.[0]?.extensions?.code }).toEqual({
      name,
      code: 'MIXED_CURRENCIES',
    });
  }
  const mixed = await t.graphql(METRIC, { name: 'mrr', window: JUNE, groupBy: ['account'] });
  expect(mixed.body.errors[0].message).toBe(
    'metric "mrr" in group {"account":"3"} would add amounts in different currencies; Harmony does not convert currencies: group by account or filter to accounts billed in one currency',
  );
  const accounts = await t.query(METRIC, { name: 'paying_accounts', window: JUNE });
  expect(accounts.metric.total).toBe(2); // a2 and a3 on June 1
  // Before the euro subscription started, nothing is mixed.
  expect((await t.query(METRIC, { name: 'mrr', window: APRIL })).metric.total).toBe(340);
});
