import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;

/** 120 accounts, each with 2 users, a team and a subscription on one of two plans. */
async function seed() {
  await t.query(
    'mutation { upsertPlans(inputs: [{ code: "starter", price: 49 }, { code: "growth", price: 199 }]) { id } }',
  );
  const industries = ['Software', 'Retail', 'Health'];
  const accounts = Array.from({ length: 120 }, (_, i) => ({
    externalId: `acc-${i}`,
    name: i === 7 ? 'Initech 50%_off' : `Company ${i}`,
    domain: `company${i}.com`,
    industry: industries[i % 3],
    employeeCount: i * 10,
    isTest: i % 40 === 0,
  }));
  await t.query(
    'mutation($inputs: [UpsertAccountInput!]!) { upsertAccounts(inputs: $inputs) { id } }',
    { inputs: accounts },
  );
  const users = accounts.flatMap((a) => [
    { externalId: `${a.externalId}-u1` },
    { externalId: `${a.externalId}-u2` },
  ]);
  await t.query('mutation($inputs: [UpsertUserInput!]!) { upsertUsers(inputs: $inputs) { id } }', {
    inputs: users,
  });
  const memberships = accounts.flatMap((a) => [
    {
      accountExternalId: a.externalId,
      userExternalId: `${a.externalId}-u1`,
      role: 'ADMINISTRATOR',
    },
    { accountExternalId: a.externalId, userExternalId: `${a.externalId}-u2` },
  ]);
  await t.query(
    'mutation($inputs: [UpsertMembershipInput!]!) { upsertMemberships(inputs: $inputs) { id } }',
    { inputs: memberships },
  );
  const teams = accounts.map((a) => ({
    externalId: `${a.externalId}-t`,
    accountExternalId: a.externalId,
    name: 'Core',
    memberExternalIds: [`${a.externalId}-u1`],
  }));
  await t.query('mutation($inputs: [UpsertTeamInput!]!) { upsertTeams(inputs: $inputs) { id } }', {
    inputs: teams,
  });
  const subscriptions = accounts.map((a, i) => ({
    externalId: `${a.externalId}-s`,
    accountExternalId: a.externalId,
    planCode: i % 2 ? 'growth' : 'starter',
    mrr: i % 2 ? 199 : 49,
    startedAt: '2025-01-01T00:00:00Z',
  }));
  await t.query(
    'mutation($inputs: [UpsertSubscriptionInput!]!) { upsertSubscriptions(inputs: $inputs) { id } }',
    { inputs: subscriptions },
  );
}

beforeAll(async () => {
  t = await startTestServer();
  await seed();
});
afterAll(() => t.close());

async function externalIds(args: string): Promise<string[]> {
  const data = await t.query(`{ accounts(${args}) { edges { node { externalId } } } }`);
  return data.accounts.edges.map((edge: any) => edge.node.externalId);
}

test('pages never skip or repeat a row while rows are being inserted', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  let inserted = 0;
  for (;;) {
    const data: any = await t.query(
      'query($after: String) { accounts(first: 7, after: $after) { edges { node { externalId } } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    seen.push(...data.accounts.edges.map((edge: any) => edge.node.externalId));
    // Another writer adds accounts between page fetches.
    await t.query(`mutation { upsertAccount(input: { externalId: "late-${inserted++}" }) { id } }`);
    if (!data.accounts.pageInfo.hasNextPage) break;
    after = data.accounts.pageInfo.endCursor;
  }
  expect(new Set(seen).size).toBe(seen.length);
  const original = Array.from({ length: 120 }, (_, i) => `acc-${i}`);
  expect(seen.slice(0, 120)).toEqual(original);
  // Accounts inserted while paging show up after the originals, each once.
  expect(seen.slice(120).every((id) => id.startsWith('late-'))).toBe(true);
});

test('page size is bounded and cursors are checked', async () => {
  const tooBig = await t.graphql('{ accounts(first: 101) { edges { cursor } } }');
  expect(tooBig.body.errors[0]).toMatchObject({
    message: 'first: expected a page size between 1 and 100, got 101',
    extensions: { code: 'BAD_USER_INPUT', field: 'first' },
  });
  const badCursor = await t.graphql(
    '{ accounts(first: 5, after: "garbage") { edges { cursor } } }',
  );
  expect(badCursor.status).toBe(400);
  expect(badCursor.body.errors[0].extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    field: 'after',
  });
});

test('filters: text search, industry, employee range, plan, isTest, updatedSince', async () => {
  expect(await externalIds('first: 100, filter: { search: "50%_off" }')).toEqual(['acc-7']);
  expect(await externalIds('first: 100, filter: { search: "COMPANY11" }')).toEqual([
    'acc-11',
    'acc-110',
    'acc-111',
    'acc-112',
    'acc-113',
    'acc-114',
    'acc-115',
    'acc-116',
    'acc-117',
    'acc-118',
    'acc-119',
  ]);
  expect(
    await externalIds(
      'first: 100, filter: { industry: ["Health"], employeeCount: { min: 100, max: 300 } }',
    ),
  ).toEqual(['acc-11', 'acc-14', 'acc-17', 'acc-20', 'acc-23', 'acc-26', 'acc-29']);
  expect(await externalIds('first: 100, filter: { isTest: true }')).toEqual([
    'acc-0',
    'acc-40',
    'acc-80',
  ]);
  const growth = await externalIds(
    'first: 100, filter: { planCode: ["growth"], employeeCount: { max: 100 } }',
  );
  expect(growth).toEqual(['acc-1', 'acc-3', 'acc-5', 'acc-7', 'acc-9']);

  const before = new Date();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await t.query(
    'mutation { upsertAccount(input: { externalId: "acc-3", name: "Renamed" }) { id } }',
  );
  await t.query(
    'mutation { upsertAccount(input: { externalId: "acc-4", name: "Company 4" }) { id } }',
  );
  expect(await externalIds(`first: 100, updatedSince: "${before.toISOString()}"`)).toEqual([
    'acc-3',
  ]);
});

test('nested fields resolve with their own values', async () => {
  const data = await t.query(`{ account(externalId: "acc-5") {
    name mrr plan { code } users { externalId } admins: users(role: "ADMINISTRATOR") { externalId }
    teams { name members { externalId } } subscriptions { status mrr history { mrr } }
  } }`);
  expect(data.account).toEqual({
    name: 'Company 5',
    mrr: 199,
    plan: { code: 'growth' },
    users: [{ externalId: 'acc-5-u1' }, { externalId: 'acc-5-u2' }],
    admins: [{ externalId: 'acc-5-u1' }],
    teams: [{ name: 'Core', members: [{ externalId: 'acc-5-u1' }] }],
    subscriptions: [{ status: 'ACTIVE', mrr: 199, history: [{ mrr: 199 }] }],
  });
});

test('nested fields are batched: 10 and 100 accounts cost the same number of statements', async () => {
  const nested = (n: number) =>
    `{ accounts(first: ${n}) { edges { node { users(first: 10) { id } subscriptions(first: 5) { id history(first: 10) { id } } plan { code } teams(first: 5) { id members(first: 10) { id } } mrr } } } }`;
  const countStatements = async (n: number) => {
    await t.query(nested(n)); // warm the API key cache so only the query's own statements count
    t.db.statements.length = 0;
    const data = await t.query(nested(n));
    expect(data.accounts.edges).toHaveLength(n);
    return t.db.statements.length;
  };
  const ten = await countStatements(10);
  const hundred = await countStatements(100);
  expect(hundred).toBe(ten);
  // accounts with their current plans, members with their users, subscriptions, history,
  // teams, team members with their users, mrr
  expect(ten).toBe(7);
});

test('users, teams and subscriptions are connections too', async () => {
  const data = await t.query(`{
    users(first: 2) { edges { node { externalId } } }
    teams(first: 2, accountExternalId: "acc-2") { edges { node { externalId } } }
    subscriptions(first: 3, planCode: ["growth"]) { edges { node { externalId } } pageInfo { hasNextPage } }
  }`);
  expect(data.users.edges).toEqual([
    { node: { externalId: 'acc-0-u1' } },
    { node: { externalId: 'acc-0-u2' } },
  ]);
  expect(data.teams.edges).toEqual([{ node: { externalId: 'acc-2-t' } }]);
  expect(data.subscriptions).toEqual({
    edges: [
      { node: { externalId: 'acc-1-s' } },
      { node: { externalId: 'acc-3-s' } },
      { node: { externalId: 'acc-5-s' } },
    ],
    pageInfo: { hasNextPage: true },
  });
});
