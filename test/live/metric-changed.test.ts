import { startTestServer, type TestServer } from '../support/test-server';
import { connectLive, subscribe } from './support/live-client';

/**
 * metricChanged sends the current value, then each new one after a committed write changes it,
 * checked against MRR computed in plain SQL from subscription_history.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.query(`mutation {
    upsertPlan(input: { code: "growth", name: "Growth", interval: MONTH, price: 199, isPaid: true }) { code }
    a: upsertAccount(input: { externalId: "acme", name: "Acme" }) { id }
    b: upsertAccount(input: { externalId: "globex", name: "Globex" }) { id }
  }`);
  await upsertSubscription({ externalId: 'acme-1', accountExternalId: 'acme', mrr: 199 });
});
afterAll(() => t.close());

const JUNE_1 = new Date('2025-06-01T00:00:00Z');

function upsertSubscription(input: Record<string, unknown>) {
  return t.query(
    `mutation($input: UpsertSubscriptionInput!) { upsertSubscription(input: $input) { id } }`,
    { input: { planCode: 'growth', startedAt: '2025-01-15T00:00:00Z', ...input } },
  );
}

/** MRR at an instant, from the history alone: each subscription's latest row, if it pays. */
async function mrrInSql(at: Date): Promise<number> {
  const [row] = await t.db.dataSource.query(
    `SELECT coalesce(sum(h.mrr_minor), 0)::numeric / 100 AS mrr FROM (
       SELECT DISTINCT ON (subscription_id) mrr_minor, status_code FROM subscription_history
       WHERE effective_at <= $1 ORDER BY subscription_id, effective_at DESC, id DESC
     ) h WHERE h.status_code IN ('ACTIVE', 'PAST_DUE')`,
    [at],
  );
  return Number(row.mrr);
}

test('an upsert that changes MRR sends the new value, equal to SQL; a repeat sends nothing', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const live = subscribe(
    client,
    `subscription($window: WindowInput!) {
      metricChanged(name: "mrr", window: $window) { value previousValue tier definitionVersion }
    }`,
    { window: { from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' } },
  );
  expect((await live.next()).data.metricChanged).toEqual({
    value: 199,
    previousValue: null,
    tier: 'HOURLY',
    definitionVersion: 1,
  });
  expect(await mrrInSql(JUNE_1)).toBe(199);

  // An expansion effective in March: June's MRR moves, in every tier at once.
  await upsertSubscription({
    externalId: 'acme-1',
    accountExternalId: 'acme',
    mrr: 249.5,
    effectiveAt: '2025-03-01T00:00:00Z',
  });
  const expanded = (await live.next()).data.metricChanged;
  expect(expanded).toMatchObject({ value: 249.5, previousValue: 199 });
  expect(expanded.value).toBe(await mrrInSql(JUNE_1));

  // The same upsert again changes nothing: the next message is the next real change.
  await upsertSubscription({
    externalId: 'acme-1',
    accountExternalId: 'acme',
    mrr: 249.5,
    effectiveAt: '2025-03-01T00:00:00Z',
  });
  // A subscription starting after June 1 does not change June's MRR either.
  await upsertSubscription({
    externalId: 'globex-late',
    accountExternalId: 'globex',
    mrr: 20,
    startedAt: '2025-06-15T00:00:00Z',
  });
  await upsertSubscription({
    externalId: 'globex-1',
    accountExternalId: 'globex',
    mrr: 100,
    startedAt: '2025-05-01T00:00:00Z',
  });
  const added = (await live.next()).data.metricChanged;
  expect(added).toMatchObject({ value: 349.5, previousValue: 249.5 });
  expect(added.value).toBe(await mrrInSql(JUNE_1));
  expect(live.buffered).toBe(0);
  await client.dispose();
});

test('subscribers of the same metric and window share one watch', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const query = `subscription { metricChanged(name: "arr", window: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) { value } }`;
  const first = subscribe(client, query);
  const second = subscribe(client, query);
  const arr = 12 * (await mrrInSql(JUNE_1));
  expect((await first.next()).data.metricChanged.value).toBe(arr);
  expect((await second.next()).data.metricChanged.value).toBe(arr);
  expect(t.services.live.watchCount).toBe(1);
  await upsertSubscription({
    externalId: 'acme-1',
    accountExternalId: 'acme',
    mrr: 300,
    effectiveAt: '2025-04-01T00:00:00Z',
  });
  const after = 12 * (await mrrInSql(JUNE_1));
  expect(after).toBe(12 * 400);
  expect((await first.next()).data.metricChanged.value).toBe(after);
  expect((await second.next()).data.metricChanged.value).toBe(after);
  await client.dispose();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(t.services.live.watchCount).toBe(0);
});

test('a connection runs a bounded number of subscriptions', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const limit = t.services.config.wsMaxSubscriptionsPerConnection;
  const query = `subscription { metricChanged(name: "mrr", window: { relative: LAST_7_DAYS }) { value } }`;
  const running = Array.from({ length: limit }, () => subscribe(client, query));
  await Promise.all(running.map((subscription) => subscription.next()));
  const refused = subscribe(client, query);
  const [error] = (await refused.failed) as Array<{ message: string; extensions: any }>;
  expect(error.extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', limit });
  // Completing one frees its place once the server has processed the client's complete.
  running[0].dispose();
  let answer: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    const again = subscribe(client, query);
    answer = await Promise.race([again.next(), again.failed]);
    if (!Array.isArray(answer)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(answer).toMatchObject({ data: { metricChanged: { value: expect.any(Number) } } });
  await client.dispose();
});
