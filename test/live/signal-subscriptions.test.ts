import { recordChanges, sequenceChanges } from '../../src/signals';
import { startTestServer, type TestServer } from '../support/test-server';
import { connectLive, subscribe } from './support/live-client';

/**
 * accountSignal and segmentMembershipChanged follow the change feed for one account or one
 * segment: changes are recorded through the feed's own API (as the thresholds and segments
 * code records them) and arrive once, filtered, with the feed's cursor.
 */
let t: TestServer;
let acme: string;
let globex: string;
beforeAll(async () => {
  t = await startTestServer();
  const data = await t.query(`mutation {
    a: upsertAccount(input: { externalId: "acme", name: "Acme" }) { id }
    b: upsertAccount(input: { externalId: "globex", name: "Globex" }) { id }
  }`);
  acme = data.a.id;
  globex = data.b.id;
});
afterAll(() => t.close());

async function record(changes: Parameters<typeof recordChanges>[1]) {
  await recordChanges(t.db.dataSource, changes);
  await sequenceChanges(t.db.dataSource);
}

function crossing(accountId: string, threshold: string, active: boolean, value: number) {
  return {
    topic: 'threshold',
    accountId,
    subject: threshold,
    cause: 'EVENTS',
    changes: {
      active: { old: !active, new: active },
      value: { old: active ? value - 20 : value + 20, new: value },
    },
  };
}

test("accountSignal sends that account's threshold crossings only, in order", async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const signals = subscribe(
    client,
    `subscription($id: ID!) {
      accountSignal(accountId: $id) { cursor threshold accountId entered value previousValue cause }
    }`,
    { id: acme },
  );
  // Let the subscription start before the changes are numbered (it follows from now on).
  await new Promise((resolve) => setTimeout(resolve, 300));
  await record([crossing(globex, 'pql', true, 75), crossing(acme, 'pql', true, 82)]);
  await record([crossing(acme, 'pql', false, 55)]);
  const [rows] = [
    await t.db.dataSource.query(
      `SELECT seq::text AS seq FROM change_feed WHERE topic = 'threshold' AND account_id = $1
       ORDER BY change_feed.seq`,
      [acme],
    ),
  ];
  const first = (await signals.next()).data.accountSignal;
  const second = (await signals.next()).data.accountSignal;
  expect([first, second]).toEqual([
    {
      cursor: rows[0].seq,
      threshold: 'pql',
      accountId: acme,
      entered: true,
      value: 82,
      previousValue: 62,
      cause: 'EVENTS',
    },
    {
      cursor: rows[1].seq,
      threshold: 'pql',
      accountId: acme,
      entered: false,
      value: 55,
      previousValue: 75,
      cause: 'EVENTS',
    },
  ]);
  expect(signals.buffered).toBe(0);
  await client.dispose();
});

test('accountSignal refuses an unknown or malformed account id', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const query = `subscription($id: ID!) { accountSignal(accountId: $id) { cursor } }`;
  for (const [id, code] of [
    ['999999', 'NOT_FOUND'],
    ['acme', 'BAD_USER_INPUT'],
  ]) {
    const refused = subscribe(client, query, { id });
    const result = await Promise.race([refused.next(), refused.failed]);
    const errors = Array.isArray(result) ? result : (result as any).errors;
    expect(errors[0].extensions.code).toBe(code);
  }
  await client.dispose();
});

test('segmentMembershipChanged resumes from a cursor and filters by segment', async () => {
  const [{ seq: start }] = await t.db.dataSource.query(
    `SELECT coalesce(max(seq), 0)::text AS seq FROM change_feed`,
  );
  const membership = (accountId: string, segment: string, member: boolean) => ({
    topic: 'segment_membership',
    accountId,
    subject: segment,
    cause: 'UPSERT',
    changes: { member: { old: !member, new: member } },
  });
  // Recorded before anyone subscribes: `after` brings them.
  await record([
    membership(acme, 'enterprise_active', true),
    membership(globex, 'at_risk', true),
    membership(globex, 'enterprise_active', true),
  ]);
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const changes = subscribe(
    client,
    `subscription($after: String) {
      segmentMembershipChanged(segment: "enterprise_active", after: $after) {
        segment entered account { externalId }
      }
    }`,
    { after: start },
  );
  const received = [];
  for (let i = 0; i < 2; i++) received.push((await changes.next()).data.segmentMembershipChanged);
  await record([membership(acme, 'enterprise_active', false)]);
  received.push((await changes.next()).data.segmentMembershipChanged);
  expect(received).toEqual([
    { segment: 'enterprise_active', entered: true, account: { externalId: 'acme' } },
    { segment: 'enterprise_active', entered: true, account: { externalId: 'globex' } },
    { segment: 'enterprise_active', entered: false, account: { externalId: 'acme' } },
  ]);
  const unknown = subscribe(
    client,
    `subscription { segmentMembershipChanged(segment: "no_such_segment") { entered } }`,
  );
  const result = await Promise.race([unknown.next(), unknown.failed]);
  const errors = Array.isArray(result) ? result : (result as any).errors;
  expect(errors[0].extensions.code).toBe('NOT_FOUND');
  await client.dispose();
});
