import { sendAcceptedBatch } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/** Segments: the shipped catalog on hand-built data, and a metric-driven segment over time. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const refresh = () => t.services.signals.refresher.refresh();
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

type Org = {
  id: string;
  employees?: number;
  isTest?: boolean;
  mrr?: number;
  plan?: string;
  startedDaysAgo?: number;
  /** Users active, as [role, days ago of their one event]. */
  activity?: Array<['ADMINISTRATOR' | 'MEMBER', number]>;
};

async function build(orgs: Org[]) {
  await t.query(`mutation { upsertPlans(inputs: [
    { code: "paid", name: "Paid", price: 100, isPaid: true },
    { code: "free", name: "Free", price: 0, isPaid: false }
  ]) { code } }`);
  await t.query(
    `mutation($inputs: [UpsertAccountInput!]!) { upsertAccounts(inputs: $inputs) { id } }`,
    {
      inputs: orgs.map((o) => ({
        externalId: o.id,
        name: o.id,
        employeeCount: o.employees ?? 10,
        isTest: o.isTest ?? false,
      })),
    },
  );
  const subs = orgs
    .filter((o) => o.mrr !== undefined)
    .map((o) => ({
      externalId: `s-${o.id}`,
      accountExternalId: o.id,
      planCode: o.plan ?? 'paid',
      mrr: o.mrr,
      startedAt: daysAgo(o.startedDaysAgo ?? 400),
    }));
  await t.query(
    `mutation($inputs: [UpsertSubscriptionInput!]!) { upsertSubscriptions(inputs: $inputs) { id } }`,
    { inputs: subs },
  );
  const users = orgs.flatMap((o) =>
    (o.activity ?? []).map(([role, days], i) => ({ org: o.id, user: `${o.id}-u${i}`, role, days })),
  );
  await t.query(
    `mutation($users: [UpsertUserInput!]!, $members: [UpsertMembershipInput!]!) {
      upsertUsers(inputs: $users) { id } upsertMemberships(inputs: $members) { id } }`,
    {
      users: users.map((u) => ({ externalId: u.user })),
      members: users.map((u) => ({
        accountExternalId: u.org,
        userExternalId: u.user,
        role: u.role,
      })),
    },
  );
  await sendAcceptedBatch(
    t.baseUrl,
    t.keys.ingest,
    users.map((u) => ({
      type: 'track',
      userId: u.user,
      event: 'Report Viewed',
      timestamp: daysAgo(u.days),
      context: { groupId: u.org },
    })),
  );
}

const five = (role: 'ADMINISTRATOR' | 'MEMBER', days: number) =>
  Array.from({ length: 5 }, () => [role, days] as ['ADMINISTRATOR' | 'MEMBER', number]);

test('the shipped segments have exactly the members their rules describe', async () => {
  await build([
    // enterprise_active: ≥ 1,000 employees, paying, ≥ 5 active users over LAST_30_DAYS
    {
      id: 'ent-yes',
      employees: 2000,
      mrr: 800,
      activity: [['ADMINISTRATOR', 2], ...five('MEMBER', 29).slice(0, 4)],
    },
    { id: 'ent-four-users', employees: 2000, mrr: 800, activity: five('MEMBER', 3).slice(0, 4) },
    { id: 'ent-small', employees: 999, mrr: 800, activity: five('ADMINISTRATOR', 1) },
    { id: 'ent-free', employees: 5000, mrr: 0, plan: 'free', activity: five('ADMINISTRATOR', 1) },
    { id: 'ent-old-activity', employees: 5000, mrr: 800, activity: five('ADMINISTRATOR', 31) },
    { id: 'ent-test', employees: 5000, mrr: 800, isTest: true, activity: five('ADMINISTRATOR', 1) },
    // at_risk: paying, MRR ≥ 500, no admin activity over the last 14 days
    {
      id: 'risk-admin-gone',
      mrr: 500,
      activity: [
        ['ADMINISTRATOR', 15],
        ['MEMBER', 1],
      ],
    },
    { id: 'risk-admin-active', mrr: 600, activity: [['ADMINISTRATOR', 13]] },
    { id: 'risk-cheap', mrr: 499.99, activity: [] },
    // new_paid: first paid less than 30 days ago
    { id: 'new-10d', mrr: 50, startedDaysAgo: 10 },
    { id: 'new-40d', mrr: 50, startedDaysAgo: 40 },
    { id: 'new-free', mrr: 0, plan: 'free', startedDaysAgo: 5 },
  ]);
  await t.query(`mutation { deleteAccount(externalId: "ent-old-activity") { id } }`);
  await refresh();
  const data = await t.query(`{
    segments { name size members(first: 100) { edges { node { externalId } } } }
  }`);
  const members = Object.fromEntries(
    data.segments.map((s: any) => [
      s.name,
      s.members.edges.map((e: any) => e.node.externalId).sort(),
    ]),
  );
  expect(members).toEqual({
    enterprise_active: ['ent-yes'],
    // ent-four-users pays 800 and only MEMBERs were active; risk-admin-gone's admin was last
    // active 15 days ago; risk-admin-active's 13 days ago; risk-cheap pays 499.99.
    at_risk: ['ent-four-users', 'risk-admin-gone'],
    new_paid: ['new-10d'],
  });
  expect(data.segments.map((s: any) => s.size)).toEqual([2, 1, 1]); // by name: at_risk, enterprise_active, new_paid
});

test('read side: segment(name), accounts(segment:), Account.segments, AccountView.segments', async () => {
  const data = await t.query(`{
    segment(name: "enterprise_active") { name version definition versions { version changedBy reason } }
    accounts(first: 10, segment: "at_risk") { edges { node { externalId segments } } }
    accountViews(first: 100) { edges { node { account { externalId } segments } } }
  }`);
  expect(data.segment).toMatchObject({ name: 'enterprise_active', version: 1 });
  expect(data.segment.definition.rule.all).toHaveLength(3);
  expect(data.segment.versions).toEqual([
    { version: 1, changedBy: 'startup', reason: 'added in schema/segments/catalog.yml' },
  ]);
  expect(data.accounts.edges.map((e: any) => e.node)).toEqual([
    { externalId: 'ent-four-users', segments: ['at_risk'] },
    { externalId: 'risk-admin-gone', segments: ['at_risk'] },
  ]);
  const views = Object.fromEntries(
    data.accountViews.edges.map((e: any) => [e.node.account.externalId, e.node.segments]),
  );
  expect(views['ent-yes']).toEqual(['enterprise_active']);
  expect(views['new-10d']).toEqual(['new_paid']);
  const unknown = await t.graphql(`{ accounts(first: 1, segment: "nope") { edges { cursor } } }`);
  expect(unknown.body.errors[0].extensions.code).toBe('NOT_FOUND');
});

test('a metric-driven segment: entries and exits as events and subscription changes arrive', async () => {
  const defined = await t.query(
    `mutation($d: JSON!) { defineSegment(input: { definition: $d }, reason: "busy payers for sales") { name version } }`,
    {
      d: {
        name: 'busy_payers',
        rule: {
          all: [{ paying: true }, { metric: 'active_users', window: 'LAST_7_DAYS', gte: 2 }],
        },
      },
    },
  );
  expect(defined.defineSegment).toEqual({ name: 'busy_payers', version: 1 });
  await build([{ id: 'busy', mrr: 100, activity: [['MEMBER', 1]] }]);
  await refresh();
  const busyIsMember = async () =>
    (await t.query(`{ account(externalId: "busy") { segments } }`)).account.segments.includes(
      'busy_payers',
    );
  expect(await busyIsMember()).toBe(false);

  await t.query(`mutation { upsertUser(input: { externalId: "busy-late" }) { id }
    upsertMembership(input: { accountExternalId: "busy", userExternalId: "busy-late" }) { id } }`);
  await refresh();
  await sendAcceptedBatch(t.baseUrl, t.keys.ingest, [
    { type: 'track', userId: 'busy-late', event: 'Report Viewed', context: { groupId: 'busy' } },
  ]);
  await refresh();
  expect(await busyIsMember()).toBe(true);

  await t.query(
    `mutation($at: DateTime!, $end: DateTime!) { upsertSubscription(input: { externalId: "s-busy", accountExternalId: "busy", planCode: "paid", mrr: 100, startedAt: $at, endedAt: $end }) { id } }`,
    { at: daysAgo(400), end: new Date(Date.now() - 1000).toISOString() },
  );
  await refresh();
  expect(await busyIsMember()).toBe(false);

  const changes = await t.query(`{ segmentMembershipChanges(segment: "busy_payers", first: 10) {
    edges { cursor node { seq segment entered cause account { externalId } } }
  } }`);
  const nodes = changes.segmentMembershipChanges.edges
    .map((e: any) => e.node)
    .filter((n: any) => n.account.externalId === 'busy');
  expect(nodes.map((n: any) => [n.account.externalId, n.entered, n.cause])).toEqual([
    ['busy', true, 'EVENTS'],
    ['busy', false, 'UPSERT'],
  ]);
  expect(Number(nodes[1].seq)).toBeGreaterThan(Number(nodes[0].seq));
  const next = await t.query(
    `query($after: String) { segmentMembershipChanges(segment: "busy_payers", after: $after, first: 10) { edges { cursor } } }`,
    { after: changes.segmentMembershipChanges.edges.at(-1).cursor },
  );
  expect(next.segmentMembershipChanges.edges).toEqual([]);
});

test('defineSegment versions changes, records nothing for an identical one, and names bad input', async () => {
  const yaml = `name: busy_payers\nrule:\n  all:\n    - paying: true\n    - metric: active_users\n      window: LAST_7_DAYS\n      gte: 3\n`;
  const v2 = await t.query(
    `mutation($y: String!) { defineSegment(input: { yaml: $y }, reason: "raise the bar") { version } }`,
    { y: yaml },
  );
  expect(v2.defineSegment.version).toBe(2);
  const again = await t.query(
    `mutation($y: String!) { defineSegment(input: { yaml: $y }, reason: "same again") { version } }`,
    { y: yaml },
  );
  expect(again.defineSegment.version).toBe(2);
  const bad = await t.graphql(
    `mutation { defineSegment(input: { definition: { name: "x", rule: { attribute: "employeeCount", between: 3 } } }, reason: "r") { version } }`,
  );
  expect(bad.body.errors[0].extensions.code).toBe('INVALID_SEGMENT_DEFINITION');
  expect(bad.body.errors[0].message).toMatch(/segment "x"/);
  const unknownMetric = await t.graphql(
    `mutation { defineSegment(input: { definition: { name: "y", rule: { metric: "nope", window: "LAST_7_DAYS", gt: 1 } } }, reason: "r") { version } }`,
  );
  expect(unknownMetric.body.errors[0].message).toMatch(/unknown metric "nope"/);
  const forbidden = await t.graphql(
    `mutation { defineSegment(input: { yaml: "name: z" }, reason: "r") { version } }`,
    undefined,
    t.keys.sync,
  );
  expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
});
