import { startTestServer, type TestServer } from '../support/test-server';

/**
 * "The account's plan" and "MRR now" have one definition (src/domain/subscription): on the
 * demo data, for every account, the planCode filter, Account.plan and the metrics' plan
 * group agree, Account.mrr equals metric(mrr) for the account, and all equal plain SQL.
 *
 * The demo never has two subscriptions in force on one account, so two accounts are added
 * through the API where the old definitions split: two plans in force (newest started vs
 * largest MRR), and a subscription canceled now that runs until the end of its period.
 */
let t: TestServer;
/** The instant every side is read at; the demo's history all lies before it. */
let at: Date;
beforeAll(async () => {
  t = await startTestServer({}, { demoData: { seed: 7, now: new Date('2026-03-15T12:00:00Z') } });
  await t.query(
    `mutation($accounts: [UpsertAccountInput!]!, $subscriptions: [UpsertSubscriptionInput!]!) {
      upsertAccounts(inputs: $accounts) { id }
      upsertSubscriptions(inputs: $subscriptions) { id }
    }`,
    {
      accounts: [
        { externalId: 'two-plans', name: 'Two plans' },
        { externalId: 'ends-later', name: 'Ends later' },
      ],
      subscriptions: [
        // The older, larger subscription is the account's plan, not the newer add-on.
        ...[
          ['two-plans-big', 'growth', 300, '2025-01-01T00:00:00Z'],
          ['two-plans-small', 'starter', 49, '2026-01-01T00:00:00Z'],
        ].map(([externalId, planCode, mrr, startedAt]) => ({
          externalId,
          accountExternalId: 'two-plans',
          planCode,
          mrr,
          startedAt,
        })),
        // Canceled today, in force (and paying) until its period ends in 30 days.
        {
          externalId: 'ends-later-sub',
          accountExternalId: 'ends-later',
          planCode: 'growth_annual',
          mrr: 165.83,
          status: 'CANCELED',
          startedAt: '2025-05-01T00:00:00Z',
          canceledAt: new Date().toISOString(),
          endedAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        },
      ],
    },
  );
  await t.query(
    `mutation($input: DefineMetricInput!) { defineMetric(input: $input, reason: "test") { name } }`,
    {
      input: {
        definition: {
          name: 'employees',
          label: 'Employees',
          description: 'Employees of the accounts existing at the bucket end.',
          owner: 'tests',
          unit: 'count',
          type: 'sum',
          column: 'employee_count',
          dimensions: ['plan', 'account'],
        },
      },
    },
  );
  at = new Date();
}, 120_000);
afterAll(() => t.close());

const EVERYTHING = { includeTest: true, includeDeleted: true };

type AccountRow = {
  id: string;
  externalId: string;
  isTest: boolean;
  deletedAt: string | null;
  plan: { code: string } | null;
  mrr: number;
  currency: string | null;
  metric: { value: number };
};

/** Every account (deleted too) with its plan, MRR and per-account MRR metric. */
async function allAccounts(): Promise<AccountRow[]> {
  const rows: AccountRow[] = [];
  let after: string | null = null;
  do {
    const data: any = await t.query(
      `query($after: String, $window: WindowInput!) {
        accounts(first: 100, after: $after, filter: { includeDeleted: true }) {
          edges { node { id externalId isTest deletedAt plan { code } mrr currency
            metric(name: "mrr", window: $window) { value } } }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      { after, window: instantWindow() },
    );
    rows.push(...data.accounts.edges.map((e: any) => e.node));
    after = data.accounts.pageInfo.hasNextPage ? data.accounts.pageInfo.endCursor : null;
  } while (after);
  return rows;
}

/** A window whose first instant is `at`: MRR of a bucket is MRR at its first instant. */
const instantWindow = () => ({
  from: at.toISOString(),
  to: new Date(at.getTime() + 3_600_000).toISOString(),
});

async function metricGroups(name: string, window: Record<string, string>) {
  const data = await t.query(
    `query($name: String!, $window: WindowInput!, $filter: MetricFilterInput) {
      metric(name: $name, window: $window, groupBy: ["account", "plan"], filter: $filter) {
        points { value dimensions }
      }
    }`,
    { name, window, filter: EVERYTHING },
  );
  return data.metric.points as Array<{ value: number; dimensions: Record<string, string> }>;
}

/** Plain SQL, written apart from the rule's builder: each subscription's latest row at $1. */
const LATEST_ROWS = `
  SELECT s.id, s.account_id, s.started_at, h.plan_id, h.status_code, h.mrr_minor, h.currency
  FROM subscriptions s
  CROSS JOIN LATERAL (
    SELECT * FROM subscription_history h
    WHERE h.subscription_id = s.id AND h.effective_at <= $1
    ORDER BY h.effective_at DESC, h.id DESC LIMIT 1
  ) h
  WHERE s.deleted_at IS NULL`;

async function sqlPlans(): Promise<Map<string, string>> {
  const rows: Array<{ account_id: string; code: string }> = await t.db.dataSource.query(
    `SELECT DISTINCT ON (l.account_id) l.account_id::text, p.code
     FROM (${LATEST_ROWS}) l JOIN plans p ON p.id = l.plan_id
     WHERE l.status_code <> 'CANCELED'
     ORDER BY l.account_id, l.mrr_minor DESC, l.started_at DESC, l.id DESC`,
    [at],
  );
  return new Map(rows.map((r) => [r.account_id, r.code]));
}

async function sqlMrr(): Promise<Map<string, number>> {
  const rows: Array<{ account_id: string; mrr: string }> = await t.db.dataSource.query(
    `SELECT l.account_id::text, sum(l.mrr_minor) AS mrr
     FROM (${LATEST_ROWS}) l
     JOIN subscription_statuses st ON st.code = l.status_code AND st.counts_as_revenue
     JOIN plans p ON p.id = l.plan_id AND p.is_paid
     WHERE l.mrr_minor > 0
     GROUP BY l.account_id`,
    [at],
  );
  return new Map(rows.map((r) => [r.account_id, Number(r.mrr) / 100]));
}

test('the two added accounts: the plan of the largest subscription; paying until the end', async () => {
  const data = await t.query(`{
    twoPlans: account(externalId: "two-plans") { plan { code } mrr currency }
    endsLater: account(externalId: "ends-later") { plan { code } mrr currency }
  }`);
  expect(data).toEqual({
    twoPlans: { plan: { code: 'growth' }, mrr: 349, currency: 'USD' },
    endsLater: { plan: { code: 'growth_annual' }, mrr: 165.83, currency: 'USD' },
  });
});

test("for every account: planCode filter, Account.plan, the metrics' plan group and SQL agree", async () => {
  const accounts = await allAccounts();
  expect(accounts).toHaveLength(302);
  const expected = await sqlPlans();

  const viaField = new Map(accounts.map((a) => [a.id, a.plan?.code ?? 'none']));

  const viaFilter = new Map(accounts.map((a) => [a.id, 'none']));
  const plans = await t.db.dataSource.query(`SELECT code FROM plans ORDER BY code`);
  for (const { code } of plans) {
    const data = await t.query(
      `query($code: String!) { accounts(first: 100, filter: { planCode: [$code], includeDeleted: true }) {
        edges { node { id } } pageInfo { hasNextPage } } }`,
      { code },
    );
    expect(data.accounts.pageInfo.hasNextPage).toBe(false);
    for (const { node } of data.accounts.edges) {
      expect(viaFilter.get(node.id)).toBe('none'); // one plan per account
      viaFilter.set(node.id, code);
    }
  }

  // A metric over every account (employees at the window's end) reads the plan now.
  const now = new Date();
  const viaMetric = new Map<string, string>();
  const window = {
    from: new Date(now.getTime() - 86_400_000).toISOString(),
    to: new Date(now.getTime() + 86_400_000).toISOString(),
  };
  for (const point of await metricGroups('employees', window)) {
    viaMetric.set(point.dimensions.account, point.dimensions.plan);
  }

  const viaSql = new Map(accounts.map((a) => [a.id, expected.get(a.id) ?? 'none']));
  expect(viaField).toEqual(viaSql);
  expect(viaFilter).toEqual(viaSql);
  // The account dimension shows external ids.
  expect(new Map(accounts.map((a) => [a.id, viaMetric.get(a.externalId)]))).toEqual(viaSql);
  expect([...viaSql.values()].filter((code) => code !== 'none').length).toBe(expected.size);
});

test('for every account: Account.mrr = Account.metric(mrr) = the mrr metric by account = SQL', async () => {
  const accounts = await allAccounts();
  const expected = await sqlMrr();
  const byAccount = new Map<string, { value: number; plan: string }>();
  for (const point of await metricGroups('mrr', instantWindow())) {
    byAccount.set(point.dimensions.account, { value: point.value, plan: point.dimensions.plan });
  }
  const plans = await sqlPlans();
  for (const account of accounts) {
    const sql = expected.get(account.id) ?? 0;
    expect({ id: account.id, mrr: account.mrr }).toEqual({ id: account.id, mrr: sql });
    // Account.metric leaves test and deleted accounts out, as every metric does by default.
    const counted = !account.isTest && account.deletedAt === null;
    expect(account.metric.value).toBe(counted ? sql : 0);
    expect(byAccount.get(account.externalId)?.value ?? 0).toBe(sql);
    // A paying account's whole MRR sits in the group of its plan.
    if (sql > 0) expect(byAccount.get(account.externalId)?.plan).toBe(plans.get(account.id));
    expect(account.currency).toBe(sql > 0 ? 'USD' : null);
  }
  expect(byAccount.size).toBe(expected.size);
  expect(expected.size).toBeGreaterThan(100);
});
