import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Board metrics with money out, against a hand-worked quarter. From the fixture
 * (test/metrics/support/fixture.ts), MRR at Jan 1 / Feb 1 / Mar 1 2025 = 130 / 230 / 310 and at
 * Dec 1 2024 = 30, so net new MRR of Jan / Feb / Mar = 100 / 100 / 80.
 *
 *   month  opex   cash    revenue  net_burn  net_new_arr  burn_multiple  runway_months
 *   Jan    1000  10000     130      870       1200         0.725          10000/870
 *   Feb    1100   9000     230      870       1200         0.725           9000/870
 *   Mar    1200   8000     310      890        960         890/960         8000/890
 *   Q1     3300   8000     670     2630       3360        2630/3360        8000/2630
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
  await t.services.targets.importCsv(
    `kind,metric,period,value
actual,operating_expenses,2025-01,1000
actual,operating_expenses,2025-02,1100
actual,operating_expenses,2025-03,1200
actual,cash_balance,2025-01,10000
actual,cash_balance,2025-02,9000
actual,cash_balance,2025-03,8000
`,
    'actuals.csv',
    'test',
    'Q1 close',
  );
});
afterAll(() => t.close());

const Q1 = `window: { from: "2025-01-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }, grain: MONTH`;

test('net_burn, burn_multiple and runway_months match the hand-worked quarter', async () => {
  const data = await t.query(`{
    metrics(names: ["operating_expenses", "cash_balance", "subscription_revenue", "net_burn",
      "net_new_arr", "burn_multiple", "runway_months"], ${Q1}) { name total points { value } }
  }`);
  const byName = Object.fromEntries(
    data.metrics.map((m: any) => [m.name, [...m.points.map((p: any) => p.value), m.total]]),
  );
  expect(byName).toEqual({
    operating_expenses: [1000, 1100, 1200, 3300],
    cash_balance: [10000, 9000, 8000, 8000],
    subscription_revenue: [130, 230, 310, 670],
    net_burn: [870, 870, 890, 2630],
    net_new_arr: [1200, 1200, 960, 3360],
    burn_multiple: [0.725, 0.725, 890 / 960, 2630 / 3360],
    runway_months: [10000 / 870, 9000 / 870, 8000 / 890, 8000 / 2630],
  });
});

test('lifetime_revenue per account: its MRR at every month start so far', async () => {
  // Month starts before Aug 1 2025 (fixture table): A1 50+50+80+40, A2 100+150*4+100+100.
  const data = await t.query(`{
    accounts(first: 10) { edges { node { externalId
      metric(name: "lifetime_revenue", window: { from: "2025-07-01T00:00:00Z", to: "2025-08-01T00:00:00Z" }) { value }
    } } }
  }`);
  const values = Object.fromEntries(
    data.accounts.edges.map((e: any) => [e.node.externalId, e.node.metric.value]),
  );
  expect(values.a1).toBe(220);
  expect(values.a2).toBe(900);
  // Independent: the sum of the account's MRR at each month start, month by month.
  const months = await t.query(`{
    metric(name: "mrr", window: { from: "2024-01-01T00:00:00Z", to: "2025-08-01T00:00:00Z" },
      grain: MONTH, groupBy: ["account"]) { points { value dimensions } }
  }`);
  const sums = new Map<string, number>();
  for (const p of months.metric.points) {
    sums.set(p.dimensions.account, (sums.get(p.dimensions.account) ?? 0) + p.value);
  }
  // The account dimension shows externalIds (src/metrics/account-dimension.ts).
  const ids = await t.db.dataSource.query(`SELECT external_id FROM accounts`);
  for (const { external_id } of ids) {
    if (external_id in values) expect(values[external_id]).toBe(sums.get(external_id) ?? 0);
  }
  const total = await t.query(`{
    metric(name: "lifetime_revenue", window: { from: "2025-07-01T00:00:00Z", to: "2025-08-01T00:00:00Z" }) { total }
  }`);
  expect(total.metric.total).toBe([...sums.values()].reduce((a, b) => a + b, 0));
});

test('the account view and the lifetime_revenue metric agree for every account', async () => {
  // Two homes compute lifetime revenue: the metric's SQL (revenue.compiler.ts) and the account
  // view's column (account-state.ts). Both count month starts up to now.
  await t.services.signals.refresher.touchAll('DAILY_SLIDE');
  await t.services.signals.refresher.refresh();
  const views = await t.query(`{
    accountViews(first: 100) { edges { node { lifetimeRevenue isTest isDeleted account { externalId } } } }
  }`);
  // accounts(...) lists live accounts (test ones too, hence includeTest below).
  const fromViews = Object.fromEntries(
    views.accountViews.edges
      .filter((e: any) => !e.node.isDeleted)
      .map((e: any) => [e.node.account.externalId, e.node.lifetimeRevenue]),
  );
  const now = new Date().toISOString();
  const metrics = await t.query(
    `query($to: DateTime!) { accounts(first: 100) { edges { node { externalId
      metric(name: "lifetime_revenue", includeTest: true,
        window: { from: "2024-01-01T00:00:00Z", to: $to }) { value }
    } } } }`,
    { to: now },
  );
  const fromMetric = Object.fromEntries(
    metrics.accounts.edges.map((e: any) => [e.node.externalId, e.node.metric.value]),
  );
  expect(Object.keys(fromViews).sort()).toEqual(Object.keys(fromMetric).sort());
  expect(fromViews).toEqual(fromMetric);
  expect(fromViews.a1).toBeGreaterThanOrEqual(220);
});
