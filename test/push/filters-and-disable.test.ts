import type { TestServer } from '../support/test-server';
import { startTestServer } from '../support/test-server';
import { returnedRows } from '../../src/push/returned-rows';
import { startReceiver, type TestReceiver } from './support/receiver';
import { createDestination, DELIVERIES, fastPushOptions, track } from './support/push-helpers';

/**
 * Paths the other push tests do not take: a segment filter on an EVENT subscription, account-view
 * pushes produced by a real refresh (the signals pump numbering the change feed) carrying only
 * the subscribed fields, and a destination failing for 5 days, disabled and reported.
 */
let server: TestServer;
let receiver: TestReceiver;

beforeAll(async () => {
  server = await startTestServer({ push: fastPushOptions(), signalsPump: true });
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

type FeedRow = { seq: string; field: string; old: unknown; new: unknown };

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForRows<T>(sql: string, params: unknown[], ready: (rows: T[]) => boolean) {
  for (let i = 0; i < 200; i++) {
    const rows: T[] = await server.db.dataSource.query(sql, params);
    if (ready(rows)) return rows;
    await settle(100);
  }
  throw new Error(`timed out waiting for: ${sql}`);
}

test('an EVENT subscription filtered by a segment pushes only events of accounts in it', async () => {
  receiver.received.length = 0;
  // A real segment, kept by the signals pump: big accounts (employeeCount ≥ 1000).
  await server.query(
    `mutation($d: JSON!) { defineSegment(input: { definition: $d }, reason: "push filter test") { name } }`,
    { d: { name: 'big_accounts', rule: { attribute: 'employeeCount', gte: 1000 } } },
  );
  await server.query(`mutation {
    upsertAccounts(inputs: [
      { externalId: "seg-in", name: "In", employeeCount: 2000 },
      { externalId: "seg-out", name: "Out", employeeCount: 10 }
    ]) { id }
  }`);
  await waitForRows<{ external_id: string }>(
    `SELECT a.external_id FROM segment_members m JOIN accounts a ON a.id = m.account_id
     WHERE m.segment = 'big_accounts' AND a.external_id LIKE 'seg-%'`,
    [],
    (rows) => rows.length === 1 && rows[0].external_id === 'seg-in',
  );
  const { id, secret } = await createDestination(server, {
    name: 'segment-filtered',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event: 'seg_event', segment: 'big_accounts' }],
  });
  receiver.secrets.push(secret);
  await track(server, [
    { messageId: 'seg-1', event: 'seg_event', userId: 'seg-u1', groupId: 'seg-in' },
    { messageId: 'seg-2', event: 'seg_event', userId: 'seg-u2', groupId: 'seg-out' },
    { messageId: 'seg-3', event: 'seg_event', userId: 'seg-u1', groupId: 'seg-in' },
    { messageId: 'seg-4', event: 'seg_event', userId: 'seg-u3' },
  ]);
  await receiver.waitFor(() => receiver.accepted.length >= 2, 10_000, 'two deliveries');
  await settle();
  expect(receiver.violations).toEqual([]);
  expect(receiver.received.map((r) => [r.idempotencyKey, r.json.data.accountExternalId])).toEqual([
    ['event:seg-1', 'seg-in'],
    ['event:seg-3', 'seg-in'],
  ]);
  // Nothing was even queued for the others: the filter runs in the enqueue statement.
  const queued: Array<{ idempotency_key: string }> = await server.db.dataSource.query(
    `SELECT idempotency_key FROM push_changes WHERE destination_id = $1 ORDER BY id`,
    [id],
  );
  expect(queued.map((q) => q.idempotency_key)).toEqual(['event:seg-1', 'event:seg-3']);
});

test('a real account-view refresh pushes only the subscribed fields, in change-feed order', async () => {
  receiver.received.length = 0;
  const { secret } = await createDestination(server, {
    name: 'view-fields',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'ACCOUNT_VIEW', fields: ['mrr', 'seats'] }],
  });
  receiver.secrets.push(secret);
  await server.query(`mutation {
    upsertPlans(inputs: [{ code: "pro", name: "Pro", price: 250, isPaid: true }]) { code }
    upsertAccount(input: { externalId: "view-acct", name: "View Co", employeeCount: 40 }) { id }
  }`);
  // What the change feed holds for the account, field by field, read in plain SQL; the pump
  // numbers rows as it refreshes.
  const feed = (ready: (rows: FeedRow[]) => boolean) =>
    waitForRows<FeedRow>(
      `SELECT f.seq::text, k.key AS field, k.value->'old' AS old, k.value->'new' AS new
       FROM change_feed f
       JOIN accounts a ON a.id = f.account_id AND a.external_id = 'view-acct'
       CROSS JOIN LATERAL jsonb_each(f.changes) k
       WHERE f.topic = 'account_view' AND f.seq IS NOT NULL AND k.key IN ('mrr', 'seats')
       ORDER BY f.seq, k.key`,
      [],
      ready,
    );
  const upsertSubscription = (fields: string) =>
    server.query(
      `mutation { upsertSubscription(input: { externalId: "view-sub", ${fields} }) { id } }`,
    );
  await feed((rows) => rows.some((r) => r.field === 'seats'));
  await upsertSubscription(
    `accountExternalId: "view-acct", planCode: "pro", mrr: 250, seats: 5, startedAt: "2025-01-15T00:00:00Z"`,
  );
  await feed((rows) => rows.some((r) => r.field === 'seats' && r.new === 5));
  await upsertSubscription(`seats: 7, mrr: 350`);
  const expected = await feed((rows) => rows.some((r) => r.field === 'seats' && r.new === 7));
  // Hand-worked, one refresh after each write: the view is created with no subscription (mrr 0,
  // seats 0), the subscription brings 250 and 5, the change 350 and 7.
  expect(expected.map((r) => [r.field, r.old, r.new])).toEqual([
    ['mrr', null, 0],
    ['seats', null, 0],
    ['mrr', 0, 250],
    ['seats', 0, 5],
    ['mrr', 250, 350],
    ['seats', 5, 7],
  ]);
  await receiver.waitFor(
    () => receiver.accepted.length >= expected.length,
    15_000,
    `${expected.length} deliveries`,
  );
  await settle();
  expect(receiver.violations).toEqual([]);
  const accountId = (
    await server.db.dataSource.query(
      `SELECT id::text FROM accounts WHERE external_id = 'view-acct'`,
    )
  )[0].id;
  // Only mrr and seats: plan, currency, lifetimeRevenue … changed too and are not pushed.
  expect(
    receiver.received.map((r) => [
      r.json.type,
      r.idempotencyKey,
      r.json.data.field,
      r.json.data.oldValue,
      r.json.data.newValue,
      r.json.data.accountExternalId,
    ]),
  ).toEqual(
    expected.map((e) => [
      'account_view.changed',
      `account:${accountId}:${e.field}:${e.seq}`,
      e.field,
      e.old,
      e.new,
      'view-acct',
    ]),
  );
  const [{ others }] = await server.db.dataSource.query(
    `SELECT count(*)::int AS others FROM change_feed f CROSS JOIN LATERAL jsonb_each(f.changes) k
     WHERE f.account_id = $1 AND f.topic = 'account_view' AND k.key NOT IN ('mrr', 'seats')`,
    [accountId],
  );
  expect(others).toBeGreaterThan(0);
});

test('a destination whose attempts failed for 5 days is disabled and says since when', async () => {
  receiver.received.length = 0;
  receiver.behave({ mode: 'fail', status: 500 });
  const { id, secret } = await createDestination(server, {
    name: 'failing-for-days',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event: 'days_event' }],
  });
  receiver.secrets.push(secret);
  await track(server, [{ messageId: 'days-1', event: 'days_event' }]);
  await waitForRows(
    `SELECT 1 FROM push_destinations WHERE id = $1 AND failing_since IS NOT NULL`,
    [id],
    (rows) => rows.length === 1,
  );
  // Five days pass, as the ledger sees it: every timestamp it keeps moves back, no sleeping.
  const [shifted] = returnedRows<{ failing_since: Date }>(
    await server.db.dataSource.query(
      `WITH back AS (
       UPDATE deliveries SET caused_at = caused_at - interval '5 days 1 minute',
         created_at = created_at - interval '5 days 1 minute',
         attempts = (SELECT jsonb_agg(jsonb_set(a, '{at}', to_jsonb(to_char(
             ((a->>'at')::timestamptz - interval '5 days 1 minute') AT TIME ZONE 'UTC',
             'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY n)
           FROM jsonb_array_elements(attempts) WITH ORDINALITY AS x(a, n))
       WHERE destination_id = $1)
     UPDATE push_destinations SET failing_since = failing_since - interval '5 days 1 minute'
     WHERE id = $1 RETURNING failing_since`,
      [id],
    ),
  );
  // The next failed attempt (a retry, or this event's if the first was dead-lettered) decides.
  await track(server, [{ messageId: 'days-2', event: 'days_event' }]);
  const [disabled] = await waitForRows<{ enabled: boolean }>(
    `SELECT enabled FROM push_destinations WHERE id = $1`,
    [id],
    (rows) => rows[0].enabled === false,
  );
  expect(disabled.enabled).toBe(false);
  const { destinations } = await server.query(`{ destinations { id enabled disabledReason } }`);
  const reported = destinations.find((d: { id: string }) => d.id === id);
  expect(reported.enabled).toBe(false);
  expect(reported.disabledReason).toBe(
    `every attempt failed since ${new Date(shifted.failing_since).toISOString()} (last: HTTP 500: {"error":"failing on purpose"})`,
  );
  // Nothing was delivered, nothing is lost: both deliveries wait, PENDING or dead-lettered.
  const { deliveries } = await server.query(DELIVERIES, { destination: id });
  expect(
    deliveries.edges.map((e: { node: { idempotencyKey: string } }) => e.node.idempotencyKey),
  ).toEqual(expect.arrayContaining(['event:days-1']));
  receiver.behave({ mode: 'ok' });
  const sent = receiver.received.length;
  await track(server, [{ messageId: 'days-3', event: 'days_event' }]);
  await settle(500);
  expect(receiver.received).toHaveLength(sent);
});
