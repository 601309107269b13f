import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';
import { loadCatalog } from '../../src/metrics';

/**
 * Every catalog metric against the hand-computed fixture in support/fixture.ts.
 *
 * Usage in June 2025 (UTC), events by user (account):
 *   u1 (A1 admin): Jun 2 10:00, 10:10, 10:20, 10:25 (4 events within 30 min: activated), Jun 3 export
 *   u2 (A1 and A2 member): Jun 2 11:00 in A1, Jun 4 in A2
 *   u3 (A2 admin): May 10, Jun 2 23:30 (Jun 3 in Berlin), Jun 10 export
 *   u4 (A3): May 31 22:30 (Jun 1 in Berlin), Jun 15 export, Jun 30 23:30 (Jul 1 in Berlin)
 *   u5 isTest, u6 deleted, u7 in the isTest account A5: always left out
 *   u8, u9, u10 (A4, free plan): Jun 20; u8 has 4 events 29 minutes apart (activated),
 *     u9's second event comes exactly 30 minutes later (a new session: not activated)
 *   u11 (A3): Jun 30 22:30 only (Jul 1 00:30 in Berlin)
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
});
afterAll(() => t.close());

const H1 = { from: '2025-01-01T00:00:00Z', to: '2025-08-01T00:00:00Z' };
const JUNE = { from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };
const JUNE_BERLIN = { ...JUNE, timezone: 'Europe/Berlin' };
// June in Berlin given as local midnights.
const JUNE_BERLIN_LOCAL = {
  from: '2025-05-31T22:00:00Z',
  to: '2025-06-30T22:00:00Z',
  timezone: 'Europe/Berlin',
};

type Result = { total: number; values: number[]; points: any[]; comparison: any };

const round = (value: number) => Math.round(value * 1e6) / 1e6;

async function metric(
  name: string,
  window: Record<string, unknown>,
  options: { grain?: string; groupBy?: string[]; filter?: unknown; compare?: string } = {},
): Promise<Result> {
  const data = await t.query(
    `query($name: String!, $window: WindowInput!, $grain: Grain, $groupBy: [String!],
           $filter: MetricFilterInput, $compare: MetricCompare) {
      metric(name: $name, window: $window, grain: $grain, groupBy: $groupBy, filter: $filter,
             compare: $compare) {
        total points { start end value dimensions } comparison { total change changeRatio }
      }
    }`,
    { name, window, ...options },
  );
  return {
    total: round(data.metric.total),
    values: data.metric.points.map((p: { value: number }) => round(p.value)),
    points: data.metric.points,
    comparison: data.metric.comparison,
  };
}

describe('revenue family (dbt mrr-playbook semantics), Jan-Jul 2025 by month', () => {
  test('mrr: month-start MRR; trials, free plans, isTest, deleted rows and deleted subscriptions excluded', async () => {
    const result = await metric('mrr', H1, { grain: 'MONTH' });
    expect(result.values).toEqual([130, 230, 310, 340, 250, 120, 160]);
    expect(result.total).toBe(160);
    expect(result.points[0]).toMatchObject({
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-02-01T00:00:00.000Z',
    });
  });

  test('arr is 12 x mrr', async () => {
    const result = await metric('arr', H1, { grain: 'MONTH' });
    expect(result.values).toEqual([1560, 2760, 3720, 4080, 3000, 1440, 1920]);
  });

  test('movements per month and their window totals', async () => {
    const expected: Record<string, number[]> = {
      new_mrr: [100, 50, 80, 0, 0, 0, 0],
      expansion_mrr: [0, 50, 0, 30, 0, 0, 0],
      contraction_mrr: [0, 0, 0, 0, 10, 50, 0],
      churned_mrr: [0, 0, 0, 0, 80, 80, 0],
      reactivation_mrr: [0, 0, 0, 0, 0, 0, 40],
      net_new_mrr: [100, 100, 80, 30, -90, -130, 40],
    };
    for (const [name, values] of Object.entries(expected)) {
      const result = await metric(name, H1, { grain: 'MONTH' });
      expect({ name, values: result.values }).toEqual({ name, values });
      expect({ name, total: result.total }).toEqual({
        name,
        total: values.reduce((a, b) => a + b, 0),
      });
    }
  });

  test('net new MRR equals the change in MRR', async () => {
    const mrr = await metric(
      'mrr',
      { from: '2024-12-01T00:00:00Z', to: H1.to },
      { grain: 'MONTH' },
    );
    const netNew = await metric('net_new_mrr', H1, { grain: 'MONTH' });
    expect(netNew.values).toEqual(mrr.values.slice(1).map((v, i) => v - mrr.values[i]));
  });

  test('nrr, grr and logo churn per month: cohort paying at the start, read at the end', async () => {
    const nrr = await metric('nrr', H1, { grain: 'MONTH' });
    expect(nrr.values).toEqual([
      round(180 / 130),
      1,
      round(340 / 310),
      round(250 / 340),
      round(120 / 250),
      1,
      1,
    ]);
    const grr = await metric('grr', H1, { grain: 'MONTH' });
    expect(grr.values).toEqual([1, 1, 1, round(250 / 340), round(120 / 250), 1, 1]);
    const logo = await metric('logo_churn_rate', H1, { grain: 'MONTH' });
    expect(logo.values).toEqual([0, 0, 0, 0.25, round(1 / 3), 0, 0]);
  });

  test('nrr over a quarter counts expansion, grr caps it; an account that churned and came back is not lost', async () => {
    const q1 = { from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
    expect((await metric('nrr', q1)).total).toBe(round(180 / 130));
    expect((await metric('grr', q1)).total).toBe(1);
    const q2 = { from: '2025-04-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };
    expect((await metric('nrr', q2)).total).toBe(round(160 / 340));
    expect((await metric('logo_churn_rate', q2)).total).toBe(0.25);
  });

  test('paying accounts, paid account ratio and ARPA', async () => {
    expect((await metric('paying_accounts', H1, { grain: 'MONTH' })).values).toEqual([
      2, 3, 4, 4, 3, 2, 3,
    ]);
    expect((await metric('paid_account_ratio', H1, { grain: 'MONTH' })).values).toEqual([
      0.4, 0.6, 0.8, 0.8, 0.6, 0.4, 0.6,
    ]);
    expect((await metric('arpa', H1, { grain: 'MONTH' })).values).toEqual([
      65,
      round(230 / 3),
      77.5,
      85,
      round(250 / 3),
      60,
      round(160 / 3),
    ]);
  });

  test('arr_growth_rate compares each month with the month before (derived with an offset)', async () => {
    const result = await metric('arr_growth_rate', H1, { grain: 'MONTH' });
    expect(result.values).toEqual([
      round(100 / 30),
      round(100 / 130),
      round(80 / 230),
      round(30 / 310),
      round(-90 / 340),
      round(-130 / 250),
      round(40 / 120),
    ]);
    expect(result.total).toBe(round((1920 - 1440) / 1440));
  });

  test("mrr grouped by plan puts each account's whole MRR under the account's plan then", async () => {
    const april = { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' };
    const result = await metric('mrr', april, { groupBy: ['plan'] });
    const byPlan = Object.fromEntries(result.points.map((p) => [p.dimensions.plan, p.value]));
    // a2 pays $100 on annual and $50 on basic: its plan is annual (the larger), all $150 there.
    expect(byPlan).toEqual({ basic: 30, pro: 160, annual: 150 });
    expect(result.total).toBe(340);
  });

  test('filters: industry equals, employee count range, and includeTest', async () => {
    const april = { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' };
    const software = await metric('mrr', april, {
      filter: { where: [{ dimension: 'industry', equals: 'software' }] },
    });
    expect(software.total).toBe(110); // A1 80 + A3 30
    const small = await metric('mrr', april, {
      filter: { where: [{ dimension: 'employee_count', min: 1, max: 100 }] },
    });
    expect(small.total).toBe(190); // A1 (25) 80 + A3 (5) 30 + A7 (60) 80
    const withTest = await metric('mrr', april, { filter: { includeTest: true } });
    expect(withTest.total).toBe(340 + 99);
  });

  test('a non-UTC zone moves month starts: in Berlin, A2 basic from Feb 1 00:00 UTC misses Feb', async () => {
    const result = await metric(
      'mrr',
      {
        ...H1,
        from: '2024-12-31T23:00:00Z',
        to: '2025-04-30T22:00:00Z',
        timezone: 'Europe/Berlin',
      },
      { grain: 'MONTH' },
    );
    expect(result.values).toEqual([130, 180, 310, 340]);
    const expansion = await metric(
      'expansion_mrr',
      { from: '2024-12-31T23:00:00Z', to: '2025-04-30T22:00:00Z', timezone: 'Europe/Berlin' },
      { grain: 'MONTH' },
    );
    expect(expansion.values).toEqual([0, 0, 50, 30]);
  });

  test('compare: previous period and same period last year', async () => {
    const q2 = { from: '2025-04-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };
    const result = await metric('net_new_mrr', q2, { compare: 'PREVIOUS_PERIOD' });
    expect(result.total).toBe(-190);
    expect(result.comparison).toEqual({ total: 280, change: -470, changeRatio: -470 / 280 });
    const yoy = await metric('mrr', H1, { grain: 'MONTH', compare: 'SAME_PERIOD_LAST_YEAR' });
    expect(yoy.comparison).toEqual({ total: 0, change: 160, changeRatio: null });
  });
});

describe('usage family, June 2025', () => {
  test('active users and accounts: distinct, test/deleted users and test accounts out', async () => {
    expect((await metric('active_users', JUNE)).total).toBe(8);
    expect((await metric('active_accounts', JUNE)).total).toBe(4);
  });

  test('a user in two accounts counts once overall and once per account', async () => {
    const result = await metric('active_users', JUNE, { groupBy: ['account'] });
    const byAccount = Object.fromEntries(result.points.map((p) => [p.dimensions.account, p.value]));
    // Shown by external id (fixture: account n is "an").
    expect(byAccount).toEqual({ a1: 2, a2: 2, a3: 2, a4: 3 });
    expect(result.total).toBe(8);
  });

  test('active accounts by plan (the plan in force at the window end)', async () => {
    const result = await metric('active_accounts', JUNE, { groupBy: ['plan'] });
    const byPlan = Object.fromEntries(result.points.map((p) => [p.dimensions.plan, p.value]));
    expect(byPlan).toEqual({ basic: 2, annual: 1, free: 1 });
    const users = await metric('active_users', JUNE, { groupBy: ['plan'] });
    expect(Object.fromEntries(users.points.map((p) => [p.dimensions.plan, p.value]))).toEqual({
      basic: 4,
      annual: 2,
      free: 3,
    });
  });

  test('stickiness = average DAU / active users', async () => {
    expect((await metric('stickiness', JUNE)).total).toBe(round(12 / 30 / 8));
  });

  test('admin daily active account ratio averages the daily ratios over the days', async () => {
    // Jun 2: A2's admin active, paying {A2, A3}; Jun 10: A2's admin, paying {A1, A2, A3}.
    // A1's admin is active Jun 2-3 while A1 is not paying (back on Jun 5 12:00).
    const expected = round((1 / 2 + 1 / 3) / 30);
    expect((await metric('admin_daily_active_account_ratio', JUNE)).total).toBe(expected);
    expect((await metric('admin_daily_active_account_ratio', JUNE_BERLIN_LOCAL)).total).toBe(
      expected,
    );
  });

  test('activation rate: new users with more than three events in their first session', async () => {
    expect((await metric('activation_rate', JUNE)).total).toBe(round(2 / 6));
  });

  test('pql accounts: unpaid accounts with three or more active users', async () => {
    expect((await metric('pql_accounts', JUNE)).total).toBe(1);
  });

  test('in Europe/Berlin, day boundaries move events across days and months', async () => {
    expect((await metric('active_users', JUNE_BERLIN_LOCAL)).total).toBe(7);
    expect((await metric('stickiness', JUNE_BERLIN_LOCAL)).total).toBe(round(11 / 30 / 7));
    expect((await metric('activation_rate', JUNE_BERLIN_LOCAL)).total).toBe(round(2 / 6));
    const july = await metric('active_users', {
      from: '2025-06-30T22:00:00Z',
      to: '2025-07-31T22:00:00Z',
      timezone: 'Europe/Berlin',
    });
    expect(july.total).toBe(2);
    // The same instants read in UTC would start mid-day: they are not UTC days either.
    expect((await metric('active_users', JUNE_BERLIN)).total).toBe(8);
  });

  test('daily buckets are zero-filled', async () => {
    const result = await metric(
      'active_users',
      { from: '2025-06-01T00:00:00Z', to: '2025-06-06T00:00:00Z' },
      { grain: 'DAY' },
    );
    expect(result.values).toEqual([0, 3, 1, 1, 0]);
  });

  test('weekly buckets start on Monday', async () => {
    const result = await metric('active_users', JUNE, { grain: 'WEEK' });
    expect(result.points.map((p) => p.start)).toEqual([
      '2025-06-01T00:00:00.000Z',
      '2025-06-02T00:00:00.000Z',
      '2025-06-09T00:00:00.000Z',
      '2025-06-16T00:00:00.000Z',
      '2025-06-23T00:00:00.000Z',
      '2025-06-30T00:00:00.000Z',
    ]);
    expect(result.values).toEqual([0, 3, 2, 3, 0, 2]);
  });
});

test('an empty window (before any data) gives zero totals and zero-filled points for every catalog metric', async () => {
  const { metricDefinitions } = await t.query('{ metricDefinitions { name } }');
  expect(metricDefinitions.map((d: { name: string }) => d.name).sort()).toEqual(
    loadCatalog()
      .map((entry) => entry.definition.name)
      .sort(),
  );
  for (const { name } of metricDefinitions) {
    const result = await metric(
      name,
      { from: '2023-01-01T00:00:00Z', to: '2023-03-01T00:00:00Z' },
      { grain: 'MONTH' },
    );
    expect({ name, total: result.total, values: result.values }).toEqual({
      name,
      total: 0,
      values: [0, 0],
    });
  }
});

test('quarters and years: a snapshot takes each bucket start, movements sum their months', async () => {
  expect((await metric('mrr', H1, { grain: 'QUARTER' })).values).toEqual([130, 340, 160]);
  expect((await metric('net_new_mrr', H1, { grain: 'QUARTER' })).values).toEqual([280, -190, 40]);
  const year = { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
  expect((await metric('new_mrr', year, { grain: 'YEAR' })).values).toEqual([230]);
});

test('metrics(names) answers several metrics over one window', async () => {
  const april = { from: '2025-04-01T00:00:00Z', to: '2025-05-01T00:00:00Z' };
  const data = await t.query(
    `query($w: WindowInput!) { metrics(names: ["mrr", "arr", "paying_accounts"], window: $w) { name total definition { version } } }`,
    { w: april },
  );
  expect(data.metrics).toEqual([
    { name: 'mrr', total: 340, definition: { version: 1 } },
    { name: 'arr', total: 4080, definition: { version: 1 } },
    { name: 'paying_accounts', total: 4, definition: { version: 1 } },
  ]);
});
