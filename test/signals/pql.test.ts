import { sendAcceptedBatch } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The PQL score (schema/scores/pql.yml): weights 35 / 20 / 25 / 20, full at 10 active users,
 * 2 active administrators, 1 demo request and 80% of seats used. Hand computation:
 *
 *   account  active users  admins  demos  members/seats  points                      score
 *   acme     3             1       1      4 / 10          10.5 + 10 + 25 + 10          55.5
 *   globex   12            2       2      12 / 10         35 + 20 + 25 + 20 (capped)   100
 *   initech  0             0       0      no seats        0                            0
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.query(`mutation {
    upsertPlan(input: { code: "pro", name: "Pro", price: 100, isPaid: true }) { code }
    upsertAccounts(inputs: [
      { externalId: "acme", name: "Acme" }, { externalId: "globex", name: "Globex" },
      { externalId: "initech", name: "Initech" }
    ]) { id }
  }`);
  const members = [
    ...['a1', 'a2', 'a3', 'a4'].map((u, i) => ({ account: 'acme', user: u, admin: i === 0 })),
    ...Array.from({ length: 12 }, (_, i) => ({
      account: 'globex',
      user: `g${i + 1}`,
      admin: i < 2,
    })),
  ];
  await t.query(
    `mutation($users: [UpsertUserInput!]!, $members: [UpsertMembershipInput!]!) {
      upsertUsers(inputs: $users) { id }
      upsertMemberships(inputs: $members) { role }
    }`,
    {
      users: members.map((m) => ({ externalId: m.user })),
      members: members.map((m) => ({
        accountExternalId: m.account,
        userExternalId: m.user,
        role: m.admin ? 'ADMINISTRATOR' : 'MEMBER',
      })),
    },
  );
  await t.query(`mutation {
    upsertSubscriptions(inputs: [
      { externalId: "s-acme", accountExternalId: "acme", planCode: "pro", status: "ACTIVE", mrr: 100, seats: 10, startedAt: "2025-01-01T00:00:00Z" },
      { externalId: "s-globex", accountExternalId: "globex", planCode: "pro", status: "ACTIVE", mrr: 100, seats: 10, startedAt: "2025-01-01T00:00:00Z" }
    ]) { id }
  }`);
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  let n = 0;
  const track = (user: string, account: string, event = 'page_viewed') => ({
    type: 'track',
    userId: user,
    event,
    context: { groupId: account },
    messageId: `m-${++n}`,
    timestamp: hourAgo,
  });
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    track('a1', 'acme'),
    track('a2', 'acme'),
    track('a3', 'acme', 'demo_requested'),
    ...members.filter((m) => m.account === 'globex').map((m) => track(m.user, 'globex')),
    track('g3', 'globex', 'demo_requested'),
    track('g4', 'globex', 'demo_requested'),
  ]);
});
afterAll(() => t.close());

test('the score is the sum of capped, weighted signals, and says why', async () => {
  const data = await t.query(
    `{ accounts(first: 10) { edges { node { externalId pqlScore {
        score contributions { signal value weight fullAt points }
    } } } } }`,
    undefined,
    t.keys.read,
  );
  const scores = Object.fromEntries(
    data.accounts.edges.map((e: any) => [e.node.externalId, e.node.pqlScore]),
  );
  expect(scores.acme).toEqual({
    score: 55.5,
    contributions: [
      { signal: 'active_users', value: 3, weight: 35, fullAt: 10, points: 10.5 },
      { signal: 'admin_activity', value: 1, weight: 20, fullAt: 2, points: 10 },
      { signal: 'demo_requested', value: 1, weight: 25, fullAt: 1, points: 25 },
      { signal: 'seat_utilisation', value: 0.4, weight: 20, fullAt: 0.8, points: 10 },
    ],
  });
  expect(scores.globex).toEqual({
    score: 100,
    contributions: [
      { signal: 'active_users', value: 12, weight: 35, fullAt: 10, points: 35 },
      { signal: 'admin_activity', value: 2, weight: 20, fullAt: 2, points: 20 },
      { signal: 'demo_requested', value: 2, weight: 25, fullAt: 1, points: 25 },
      { signal: 'seat_utilisation', value: 1.2, weight: 20, fullAt: 0.8, points: 20 },
    ],
  });
  expect(scores.initech.score).toBe(0);
  for (const { score, contributions } of Object.values(scores) as any[]) {
    expect(contributions.reduce((sum: number, c: any) => sum + c.points, 0)).toBeCloseTo(score, 9);
  }
});

test('after the writes, without being asked: views carry the score and globex enters the PQL threshold', async () => {
  const crossings = async () =>
    (
      await t.query(
        `{ thresholdCrossings(threshold: "pql") { crossings { accountId entered value cause } } }`,
        undefined,
        t.keys.read,
      )
    ).thresholdCrossings.crossings;
  const deadline = Date.now() + 15_000;
  while ((await crossings()).length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [{ id: globex }] = await t.db.dataSource.query(
    `SELECT id::text FROM accounts WHERE external_id = 'globex'`,
  );
  expect((await crossings()).map((c: any) => [c.accountId, c.entered, c.value])).toEqual([
    [globex, true, 100],
  ]);
  // Evaluating again changes nothing: acme (55.5) stays out, globex stays in.
  expect(await t.services.thresholds.evaluate(null, 'DAILY_SLIDE')).toBe(0);
  await t.services.signals.refresher.refresh();
  const views = await t.query(
    `{ accountViews(first: 10) { edges { node { account { externalId } pqlScore } } } }`,
    undefined,
    t.keys.read,
  );
  expect(
    Object.fromEntries(
      views.accountViews.edges.map((e: any) => [e.node.account.externalId, e.node.pqlScore]),
    ),
  ).toEqual({ acme: 55.5, globex: 100, initech: 0 });
});

test('a page of three accounts runs as many statements as a page of one', async () => {
  const countFor = async (first: number) => {
    const query = `query($first: Int!) { accounts(first: $first) { edges { node { pqlScore { score } } } } }`;
    await t.query(query, { first }, t.keys.read);
    t.db.statements.length = 0;
    await t.query(query, { first }, t.keys.read);
    // The signals pump polls its touch queue meanwhile: not part of the request.
    return t.db.statements.filter((sql) => !sql.includes('account_view_touches')).length;
  };
  expect(await countFor(3)).toBe(await countFor(1));
});
