import { computeViewsFromScratch } from '../../src/signals/account-views/from-scratch';
import { readChanges } from '../../src/signals';
import { sendAcceptedBatch } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Account views are maintained incrementally from the accounts each write touches; they must
 * equal a from-scratch computation, and move only when a value changes.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const refresh = () => t.services.signals.refresher.refresh();
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function seed() {
  await t.query(`mutation {
    upsertPlans(inputs: [
      { code: "basic", name: "Basic", price: 100, isPaid: true },
      { code: "pro", name: "Pro", price: 250, isPaid: true },
      { code: "free", name: "Free", price: 0, isPaid: false }
    ]) { code }
    upsertAccounts(inputs: [
      { externalId: "acme", name: "Acme", industry: "Software", employeeCount: 2000 },
      { externalId: "globex", name: "Globex", industry: "Retail", employeeCount: 50 },
      { externalId: "initech", name: "Initech", employeeCount: 10 },
      { externalId: "testco", name: "Test Co", isTest: true }
    ]) { id }
    upsertUsers(inputs: [
      { externalId: "u1", email: "u1@acme.test" }, { externalId: "u2", email: "u2@acme.test" },
      { externalId: "u3", email: "u3@globex.test" }, { externalId: "u4", email: "u4@acme.test", isTest: true }
    ]) { id }
    upsertMemberships(inputs: [
      { accountExternalId: "acme", userExternalId: "u1", role: "ADMINISTRATOR" },
      { accountExternalId: "acme", userExternalId: "u2" },
      { accountExternalId: "acme", userExternalId: "u4" },
      { accountExternalId: "globex", userExternalId: "u3" }
    ]) { id }
  }`);
  await t.query(
    `mutation($a: DateTime!, $b: DateTime!, $c: DateTime!) {
      upsertSubscriptions(inputs: [
        { externalId: "s-acme-1", accountExternalId: "acme", planCode: "basic", mrr: 100, seats: 5, startedAt: $a },
        { externalId: "s-acme-2", accountExternalId: "acme", planCode: "pro", mrr: 250.5, seats: 3, startedAt: $b },
        { externalId: "s-globex", accountExternalId: "globex", planCode: "basic", mrr: 100, seats: 2, startedAt: $a, endedAt: $c },
        { externalId: "s-init", accountExternalId: "initech", planCode: "free", mrr: 0, seats: 1, startedAt: $b }
      ]) { id }
    }`,
    { a: '2025-01-15T00:00:00Z', b: daysAgo(40), c: daysAgo(10) },
  );
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    {
      type: 'track',
      userId: 'u1',
      event: 'Report Viewed',
      timestamp: daysAgo(1),
      context: { groupId: 'acme' },
    },
    {
      type: 'track',
      userId: 'u2',
      event: 'Report Viewed',
      timestamp: daysAgo(3),
      context: { groupId: 'acme' },
    },
    {
      type: 'track',
      userId: 'u4',
      event: 'Report Viewed',
      timestamp: daysAgo(3),
      context: { groupId: 'acme' },
    },
    {
      type: 'track',
      userId: 'u3',
      event: 'Report Viewed',
      timestamp: daysAgo(45),
      context: { groupId: 'globex' },
    },
    {
      type: 'track',
      userId: 'u3',
      event: 'Report Viewed',
      timestamp: daysAgo(2),
      context: { groupId: 'globex' },
    },
  ]);
}

const VIEWS = `query($after: String) {
  accountViews(first: 2, after: $after) {
    edges { cursor node {
      account { externalId } plan { code } mrr currency seats activeUsers30d lastSeenAt
      healthScore pqlScore segments updatedAt changeSeq lifetimeRevenue isTest isDeleted
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function allViews() {
  const views: any[] = [];
  let after: string | null = null;
  for (;;) {
    const data: any = await t.query(VIEWS, { after });
    views.push(...data.accountViews.edges.map((e: any) => e.node));
    if (!data.accountViews.pageInfo.hasNextPage) return views;
    after = data.accountViews.pageInfo.endCursor;
  }
}

test('views equal a from-scratch SQL computation after a mix of writes and events', async () => {
  await seed();
  await refresh();
  const stored: any[] = await t.db.dataSource.query(
    `SELECT a.external_id, v.plan_code, v.mrr_minor::text AS mrr_minor, v.seats, v.active_users_30d,
       v.last_seen_at, v.lifetime_revenue_minor::text AS lifetime_revenue_minor
     FROM account_views v JOIN accounts a ON a.id = v.account_id ORDER BY a.external_id`,
  );
  const { views } = await computeViewsFromScratch(t.db.dataSource, new Date());
  const ids: any[] = await t.db.dataSource.query(`SELECT id::text, external_id FROM accounts`);
  const expected = ids
    .map(({ id, external_id }) => {
      const v = views.get(id) ?? {};
      return {
        external_id,
        plan_code: v.plan_code ?? null,
        mrr_minor: (v.mrr_minor as string) ?? '0',
        seats: v.seats ?? 0,
        active_users_30d: v.active_users_30d ?? 0,
        last_seen_at: v.last_seen_at ?? null,
        lifetime_revenue_minor: (v.lifetime_revenue_minor as string) ?? '0',
      };
    })
    .sort((a, b) => a.external_id.localeCompare(b.external_id));
  expect(stored).toEqual(expected);

  // Hand-worked values: acme pays 100 + 250.50 now; basic since 2025-01-15 counts on every
  // month start from 2025-02-01 to this month's; pro (40 days ago) on the month starts since.
  const monthStartsSince = (from: Date) => {
    let n = 0;
    const now = new Date();
    for (
      let m = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      m <= now;
      m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))
    )
      n++;
    return n;
  };
  const acmeLifetime =
    100 * monthStartsSince(new Date('2025-01-15T00:00:00Z')) +
    250.5 * monthStartsSince(new Date(daysAgo(40)));
  const byName = Object.fromEntries((await allViews()).map((v) => [v.account.externalId, v]));
  expect(byName.acme).toMatchObject({
    plan: { code: 'pro' },
    mrr: 350.5,
    currency: 'USD',
    seats: 8,
    activeUsers30d: 2, // u4 is a test user
    lifetimeRevenue: acmeLifetime,
    healthScore: null,
    // The PQL score (its value is checked by test/signals/pql.test.ts): the same as Account.pqlScore.
    pqlScore: (await t.query(`{ account(externalId: "acme") { pqlScore { score } } }`)).account
      .pqlScore.score,
    isTest: false,
  });
  expect(byName.globex).toMatchObject({
    plan: null,
    mrr: 0,
    currency: null,
    seats: 0,
    activeUsers30d: 1,
  });
  expect(byName.testco).toMatchObject({ isTest: true, mrr: 0, activeUsers30d: 0 });
  expect(byName.acme.activeUsers30d).toBe(
    (
      await t.query(
        `{ account(externalId: "acme") { metric(name: "active_users", window: { relative: LAST_30_DAYS }) { value } } }`,
      )
    ).account.metric.value,
  );
});

test('a re-upsert with the same values moves nothing; a changed value records old and new', async () => {
  await refresh();
  const [{ max }] = await t.db.dataSource.query(`SELECT max(seq)::text AS max FROM change_feed`);
  const before = await allViews();
  await t.query(`mutation {
    upsertAccount(input: { externalId: "acme", name: "Acme", industry: "Software", employeeCount: 2000 }) { id }
    upsertMembership(input: { accountExternalId: "acme", userExternalId: "u2" }) { id }
  }`);
  expect(
    Number((await t.db.dataSource.query(`SELECT count(*) FROM account_view_touches`))[0].count),
  ).toBeGreaterThan(0);
  const result = await refresh();
  expect(result.viewChanges).toBe(0);
  expect(await readChanges(t.db.dataSource, { after: max, first: 10 })).toEqual([]);
  expect(await allViews()).toEqual(before);

  await t.query(
    `mutation($at: DateTime!) { upsertSubscription(input: { externalId: "s-acme-2", accountExternalId: "acme", planCode: "pro", mrr: 300, seats: 4, startedAt: $at }) { id } }`,
    { at: daysAgo(40) },
  );
  await refresh();
  const data = await t.query(
    `query($after: String) { accountViewChanges(after: $after, first: 10) {
      edges { cursor node { seq account { externalId } cause changes { field old new } } }
      pageInfo { endCursor hasNextPage }
    } }`,
    { after: max },
  );
  const changes = data.accountViewChanges.edges.map((e: any) => e.node);
  expect(changes).toHaveLength(1);
  expect(changes[0].account.externalId).toBe('acme');
  expect(changes[0].cause).toBe('UPSERT');
  const fields = Object.fromEntries(changes[0].changes.map((c: any) => [c.field, [c.old, c.new]]));
  // One more seat bought lowers the PQL score's seat utilisation (members / seats).
  expect(fields).toEqual({
    mrr: [350.5, 400],
    seats: [8, 9],
    pqlScore: [expect.any(Number), expect.any(Number)],
  });
  expect(fields.pqlScore[1]).toBeLessThan(fields.pqlScore[0]);
  const acme = (await allViews()).find((v) => v.account.externalId === 'acme');
  expect(acme.changeSeq).toBe(changes[0].seq);
  expect(data.accountViewChanges.pageInfo.endCursor).toBe(changes[0].seq);

  // Events: globex's new active user is an EVENTS change of activeUsers30d and lastSeenAt.
  await t.query(
    `mutation { upsertMembership(input: { accountExternalId: "globex", userExternalId: "u1" }) { id } }`,
  );
  await refresh();
  const [{ max: afterMembership }] = await t.db.dataSource.query(
    `SELECT max(seq)::text AS max FROM change_feed`,
  );
  const seenAt = new Date(Date.now() - 1000).toISOString();
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    {
      type: 'track',
      userId: 'u1',
      event: 'Report Viewed',
      timestamp: seenAt,
      context: { groupId: 'globex' },
    },
  ]);
  await refresh();
  const [eventChange] = await readChanges(t.db.dataSource, {
    after: afterMembership,
    first: 10,
    topic: 'account_view',
  });
  expect(eventChange.cause).toBe('EVENTS');
  expect(eventChange.changes.activeUsers30d).toEqual({ old: 1, new: 2 });
  // One more active user raises the PQL score too.
  expect(Object.keys(eventChange.changes).sort()).toEqual([
    'activeUsers30d',
    'lastSeenAt',
    'pqlScore',
  ]);
});

test('accountViews pages in change order; updatedSince filters; a bad cursor is a 400', async () => {
  const views = await allViews();
  const seqs = views.map((v) => Number(v.changeSeq));
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(views.map((v) => v.account.externalId).sort()).toEqual([
    'acme',
    'globex',
    'initech',
    'testco',
  ]);
  const future = await t.query(
    `{ accountViews(first: 5, updatedSince: "2999-01-01T00:00:00Z") { edges { cursor } } }`,
  );
  expect(future.accountViews.edges).toEqual([]);
  const bad = await t.graphql(`{ accountViews(first: 5, after: "nope") { edges { cursor } } }`);
  expect(bad.status).toBe(400);
  expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(bad.body.errors[0].message).toMatch(/^after: expected a change cursor/);
});

test('the daily slide re-evaluates every account and records what drifted with time alone', async () => {
  // An event 29 days ago falls out of the 30-day window tomorrow; simulate the drift by moving it.
  await t.db.dataSource.query(
    `UPDATE events SET occurred_at = occurred_at - interval '40 days' WHERE account_id = (SELECT id FROM accounts WHERE external_id = 'globex')`,
  );
  await t.db.dataSource.query(
    `UPDATE user_activity_daily SET day = day - 40 WHERE account_id = (SELECT id FROM accounts WHERE external_id = 'globex')`,
  );
  await t.db.dataSource.query(`DELETE FROM account_view_touches`);
  const [{ max }] = await t.db.dataSource.query(`SELECT max(seq)::text AS max FROM change_feed`);
  await t.services.signals.refresher.touchAll('DAILY_SLIDE');
  const result = await refresh();
  expect(result.accounts).toBe(4);
  const changes = await readChanges(t.db.dataSource, {
    after: max,
    first: 10,
    topic: 'account_view',
  });
  expect(changes.map((c) => [c.cause, c.changes.activeUsers30d])).toEqual([
    ['DAILY_SLIDE', { old: 2, new: 0 }],
  ]);
});
