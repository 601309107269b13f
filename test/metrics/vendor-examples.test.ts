import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The published worked examples of ChartMogul's help center and Stripe's billing docs that
 * apply to Harmony's definitions. Each scenario lives in its own industry so a filter keeps
 * them apart in one database.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.db.dataSource.query(`
    INSERT INTO plans (code, name, interval, price_minor, is_paid) VALUES ('paid', 'Paid', 'MONTH', 0, true);
    CREATE TEMP TABLE scenario (industry text, n int, mrr_minor bigint, starts timestamptz, ends timestamptz);
    INSERT INTO scenario VALUES
      -- Stripe: 100 x $100/month + 50 x $600/year
      ('stripe', 100, 10000, '2025-01-01', NULL),
      ('stripe', 50, 5000, '2025-01-01', NULL),
      -- ChartMogul MRR/ARR: 5 x $5, then 2 more at $30
      ('cm-mrr', 5, 500, '2025-01-01', NULL),
      ('cm-mrr', 2, 3000, '2025-02-10', NULL),
      -- ChartMogul ARPA: customer MRRs 1, 1, 3, 5, 5
      ('cm-arpa', 2, 100, '2025-01-01', NULL),
      ('cm-arpa', 1, 300, '2025-01-01', NULL),
      ('cm-arpa', 2, 500, '2025-01-01', NULL),
      -- ChartMogul customer churn: 100 at the start of March, 10 of them cancel in March,
      -- and one who joined in March cancels too
      ('cm-churn', 90, 1000, '2025-01-01', NULL),
      ('cm-churn', 10, 1000, '2025-01-01', '2025-03-15'),
      ('cm-churn', 1, 1000, '2025-03-05', '2025-03-20');
    INSERT INTO accounts (external_id, industry, created_at)
    SELECT s.industry || '-' || row_number() OVER (ORDER BY s.industry, s.mrr_minor, s.starts, s.ends, g), s.industry, '2024-12-01'
    FROM scenario s, generate_series(1, s.n) g;
    -- Pair each account with its scenario row in the same order.
    CREATE TEMP TABLE expanded AS
      SELECT row_number() OVER (ORDER BY s.industry, s.mrr_minor, s.starts, s.ends, g) AS k, s.*
      FROM scenario s, generate_series(1, s.n) g;
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at, ended_at)
    SELECT 'sub-' || a.id, a.id, (SELECT id FROM plans WHERE code = 'paid'), 'ACTIVE', e.mrr_minor, e.starts, e.ends
    FROM expanded e JOIN accounts a ON a.external_id = e.industry || '-' || e.k;
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT id, account_id, plan_id, 'ACTIVE', mrr_minor, 'USD', started_at FROM subscriptions
    UNION ALL
    SELECT id, account_id, plan_id, 'CANCELED', 0, 'USD', ended_at FROM subscriptions WHERE ended_at IS NOT NULL;
  `);
  // ChartMogul's lifecycle example on one customer, and its gross/net MRR churn example on four.
  await t.db.dataSource.query(`
    INSERT INTO accounts (external_id, industry, created_at) VALUES
      ('life', 'cm-life', '2024-12-01'),
      ('g1', 'cm-gross', '2024-12-01'), ('g2', 'cm-gross', '2024-12-01'),
      ('g3', 'cm-gross', '2024-12-01'), ('g4', 'cm-gross', '2024-12-01');
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
    SELECT x.ext, a.id, p.id, 'ACTIVE', 0, '2025-01-01'
    FROM (VALUES ('gold', 'life'), ('silver', 'life'), ('gold-monthly', 'life'),
                 ('g1s', 'g1'), ('g2s', 'g2'), ('g3s', 'g3'), ('g4s', 'g4')) AS x(ext, account),
      accounts a, plans p
    WHERE a.external_id = x.account AND p.code = 'paid';
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT s.id, s.account_id, s.plan_id, h.status, h.mrr, 'USD', h.at::timestamptz
    FROM (VALUES
      -- 4 x Gold billed yearly $2,000 -> 166.67 a month; +2 x Silver $30; Silver cancelled;
      -- Gold cancelled; back on 3 x Gold monthly at $50.
      ('gold', 'ACTIVE', 16667, '2025-01-10'), ('silver', 'ACTIVE', 6000, '2025-02-10'),
      ('silver', 'CANCELED', 0, '2025-03-10'), ('gold', 'CANCELED', 0, '2025-04-10'),
      ('gold-monthly', 'ACTIVE', 15000, '2025-05-10'),
      -- start 100; in March one churns (10), one contracts (10), one expands (10)
      ('g1s', 'ACTIVE', 4000, '2025-01-01'), ('g2s', 'ACTIVE', 3000, '2025-01-01'),
      ('g3s', 'ACTIVE', 2000, '2025-01-01'), ('g4s', 'ACTIVE', 1000, '2025-01-01'),
      ('g4s', 'CANCELED', 0, '2025-03-10'), ('g3s', 'ACTIVE', 1000, '2025-03-11'),
      ('g2s', 'ACTIVE', 4000, '2025-03-12')
    ) AS h(ext, status, mrr, at)
    JOIN subscriptions s ON s.external_id = h.ext;
  `);
});
afterAll(() => t.close());

async function value(name: string, industry: string, from: string, to: string, grain?: string) {
  const data = await t.query(
    `query($name: String!, $window: WindowInput!, $grain: Grain, $filter: MetricFilterInput) {
      metric(name: $name, window: $window, grain: $grain, filter: $filter) { total points { value } }
    }`,
    {
      name,
      window: { from, to },
      grain,
      filter: { where: [{ dimension: 'industry', equals: industry }] },
    },
  );
  return grain ? data.metric.points.map((p: any) => p.value) : data.metric.total;
}

test('Stripe: 100 x $100/month + 50 x $600/year is $12,500 MRR (an annual plan counts 1/12)', async () => {
  expect(await value('mrr', 'stripe', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z')).toBe(12500);
});

test('ChartMogul: MRR $25 then $85; ARR of $25 MRR is $300', async () => {
  expect(
    await value('mrr', 'cm-mrr', '2025-02-01T00:00:00Z', '2025-04-01T00:00:00Z', 'MONTH'),
  ).toEqual([25, 85]);
  expect(await value('arr', 'cm-mrr', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z')).toBe(300);
});

test('ChartMogul: ARPA of customers paying 1, 1, 3, 5, 5 is 3', async () => {
  expect(await value('arpa', 'cm-arpa', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z')).toBe(3);
});

test('ChartMogul: customer churn 10% (the customer who joined and left in the month is excluded)', async () => {
  expect(
    await value('logo_churn_rate', 'cm-churn', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'),
  ).toBe(0.1);
});

test('ChartMogul lifecycle: new 166.67, expansion 60, contraction 60, churn 166.67, reactivation 150', async () => {
  const months = ['2025-02-01T00:00:00Z', '2025-07-01T00:00:00Z'] as const;
  const series = async (name: string) => value(name, 'cm-life', ...months, 'MONTH');
  expect(await series('new_mrr')).toEqual([166.67, 0, 0, 0, 0]);
  expect(await series('expansion_mrr')).toEqual([0, 60, 0, 0, 0]);
  expect(await series('contraction_mrr')).toEqual([0, 0, 60, 0, 0]);
  expect(await series('churned_mrr')).toEqual([0, 0, 0, 166.67, 0]);
  expect(await series('reactivation_mrr')).toEqual([0, 0, 0, 0, 150]);
});

test('ChartMogul gross MRR churn 20% and net MRR churn 10%, declared as derived metrics', async () => {
  const common = {
    label: 'x',
    description: 'x',
    owner: 'tests',
    unit: 'ratio',
    type: 'derived',
    dimensions: ['industry'],
    inputs: { start_mrr: { metric: 'mrr', offset: '-1 month' } },
  };
  const define = (name: string, expression: string) =>
    t.query(
      `mutation($input: DefineMetricInput!) { defineMetric(input: $input, reason: "example") { version } }`,
      { input: { definition: { ...common, name, expression } } },
    );
  await define('gross_mrr_churn_rate', '(churned_mrr + contraction_mrr) / start_mrr');
  await define(
    'net_mrr_churn_rate',
    '(churned_mrr + contraction_mrr - expansion_mrr - reactivation_mrr) / start_mrr',
  );
  // Changes made in March are April's movements; the start MRR is March 1's.
  const april = ['2025-04-01T00:00:00Z', '2025-05-01T00:00:00Z'] as const;
  expect(await value('gross_mrr_churn_rate', 'cm-gross', ...april)).toBe(0.2);
  expect(await value('net_mrr_churn_rate', 'cm-gross', ...april)).toBe(0.1);
});
