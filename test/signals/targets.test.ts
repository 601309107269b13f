import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Plan targets: a CSV sheet imported whole or not at all, versions with the value before, and
 * attainment per bucket against the fixture's hand-worked MRR (test/metrics/support/fixture.ts):
 * MRR at Jan 1 / Feb 1 / Mar 1 2025 = 130 / 230 / 310; new MRR in Jan / Feb / Mar = 100 / 50 / 80.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
});
afterAll(() => t.close());

const PLAN = `kind,metric,period,value,dimension
target,mrr,2025-01,100,
target,mrr,2025-02,200,
# a quarter target of a flow metric counts a third per month
target,new_mrr,2025-Q1,300,
target,mrr,2025-03,400,
target,mrr,2025-03,120,annual
actual,operating_expenses,2025-01,1000,
`;

const Q1 = `window: { from: "2025-01-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }`;

const entryCount = async () =>
  Number((await t.db.dataSource.query(`SELECT count(*) AS n FROM plan_entries`))[0].n);

test('a bad row names its line and column, and nothing of the file is written', async () => {
  const bad = PLAN.replace('target,mrr,2025-02,200,', 'target,mrr,2025-13,200,').replace(
    'actual,operating_expenses,2025-01,1000,',
    'actual,operating_expenses,2025-01,"1,000",',
  );
  await expect(t.services.targets.importCsv(bad, 'plan.csv', 'test', 'q1 plan')).rejects.toThrow(
    'plan.csv line 3, column "period": expected a month like 2026-01 or a quarter like 2026-Q1, got "2025-13"\n' +
      'plan.csv line 8, column "value": expected a number such as 125000 or 0.95 (no thousands separators or currency signs), got "1,000"\n' +
      'nothing was imported',
  );
  await expect(
    t.services.targets.importCsv(
      'metric,period,value\nmrr,2025-01,1\nmrr,2025-01,2\nnot_a_metric,2025-01,3\n',
      'plan.csv',
      'test',
      'dupes',
    ),
  ).rejects.toThrow(
    'plan.csv line 3, column "period": the same target (metric, period, dimension) as line 2\n' +
      'plan.csv line 4, column "metric": expected a metric of the catalog, got "not_a_metric"',
  );
  await expect(
    t.services.targets.importCsv('metric,period,amount\nmrr,2025-01,1\n', 'p.csv', 'test', 'x'),
  ).rejects.toThrow('p.csv line 1, column "-": unknown column "amount", missing column "value"');
  expect(await entryCount()).toBe(0);
});

test('attainment per bucket equals the hand computation', async () => {
  const rows = await t.services.targets.importCsv(PLAN, 'plan.csv', 'test', 'q1 plan');
  expect(rows.map((r) => [r.kind, r.metric, r.period, r.dimension, r.value])).toEqual([
    ['target', 'mrr', '2025-01', null, 100],
    ['target', 'mrr', '2025-02', null, 200],
    ['target', 'new_mrr', '2025-Q1', null, 300],
    ['target', 'mrr', '2025-03', null, 400],
    ['target', 'mrr', '2025-03', 'annual', 120],
    ['actual', 'operating_expenses', '2025-01', null, 1000],
  ]);
  const data = await t.query(`{
    mrr: metric(name: "mrr", ${Q1}, grain: MONTH) {
      total totalTarget totalAttainment points { value target attainment }
    }
    quarter: metric(name: "mrr", ${Q1}, grain: QUARTER) { points { value target attainment } }
    newMrr: metric(name: "new_mrr", ${Q1}, grain: MONTH) {
      total totalTarget totalAttainment points { value target attainment }
    }
    byPlan: metric(name: "mrr", window: { from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }, grain: MONTH, groupBy: ["plan"]) {
      points { value target attainment dimensions }
    }
    arr: metric(name: "arr", ${Q1}, grain: MONTH) { totalTarget points { target } }
  }`);
  expect(data.mrr).toEqual({
    total: 310,
    totalTarget: 400, // a stock: the target of the window's last month
    totalAttainment: 0.775,
    points: [
      { value: 130, target: 100, attainment: 1.3 },
      { value: 230, target: 200, attainment: 1.15 },
      { value: 310, target: 400, attainment: 0.775 },
    ],
  });
  // MRR of a quarter bucket is read at its first instant; its target is its last month's.
  expect(data.quarter.points).toEqual([{ value: 130, target: 400, attainment: 0.325 }]);
  expect(data.newMrr).toEqual({
    total: 230,
    totalTarget: 300,
    totalAttainment: 230 / 300,
    points: [
      { value: 100, target: 100, attainment: 1 },
      { value: 50, target: 100, attainment: 0.5 },
      { value: 80, target: 100, attainment: 0.8 },
    ],
  });
  const annual = data.byPlan.points.find((p: any) => p.dimensions.plan === 'annual');
  expect(annual).toEqual({
    value: 150, // A2's whole MRR (annual 100 + basic 50) is in the group of its larger plan
    target: 120,
    attainment: 1.25,
    dimensions: { plan: 'annual' },
  });
  expect(
    data.byPlan.points.filter((p: any) => p.dimensions.plan !== 'annual').map((p: any) => p.target),
  ).toEqual(data.byPlan.points.filter((p: any) => p.dimensions.plan !== 'annual').map(() => null));
  expect(data.arr).toEqual({
    totalTarget: null,
    points: [{ target: null }, { target: null }, { target: null }],
  });
});

test('upsertTargets versions each change with who, why and the value before; a bad row writes nothing', async () => {
  const before = await entryCount();
  const bad = await t.graphql(
    `mutation { upsertTargets(reason: "oops", inputs: [
      { metric: "mrr", period: "2025-04", value: 1 },
      { metric: "mrr", period: "2025-Q5", value: 2 }
    ]) { id } }`,
  );
  expect(bad.body.errors[0].message).toBe(
    'inputs[1].period: expected a month like 2026-01 or a quarter like 2026-Q1, got "2025-Q5"',
  );
  expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(await entryCount()).toBe(before);

  const write = (value: number, reason: string) =>
    t.query(
      `mutation($value: Float!, $reason: String!) {
        upsertTargets(reason: $reason, inputs: [{ metric: "mrr", period: "2025-02", value: $value }]) { version value }
      }`,
      { value, reason },
      t.keys.sync,
    );
  expect((await write(250, 'board raised Feb')).upsertTargets).toEqual([
    { version: 2, value: 250 },
  ]);
  expect((await write(250, 'no change')).upsertTargets).toEqual([{ version: 2, value: 250 }]);
  const read = await t.query(
    `{ targets(metric: "mrr", kind: TARGET) { edges { node { period dimension value version reason
        versions { version value previousValue changedBy reason source } } } } }`,
    undefined,
    t.keys.read,
  );
  const feb = read.targets.edges.map((e: any) => e.node).find((n: any) => n.period === '2025-02');
  expect(feb).toEqual({
    period: '2025-02',
    dimension: null,
    value: 250,
    version: 2,
    reason: 'board raised Feb',
    versions: [
      {
        version: 1,
        value: 200,
        previousValue: null,
        changedBy: 'test',
        reason: 'q1 plan',
        source: 'import',
      },
      {
        version: 2,
        value: 250,
        previousValue: 200,
        changedBy: 'test sync',
        reason: 'board raised Feb',
        source: 'api',
      },
    ],
  });
  const denied = await t.graphql(
    `mutation { upsertTargets(reason: "x", inputs: [{ metric: "mrr", period: "2025-04", value: 1 }]) { id } }`,
    undefined,
    t.keys.read,
  );
  expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
});
