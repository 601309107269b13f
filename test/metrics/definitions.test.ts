import { startTestServer, type TestServer } from '../support/test-server';
import { loadFixture } from './support/fixture';

/** Declared metric types through defineMetric, versioning, renames, and the error codes. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await loadFixture(t.db.dataSource);
});
afterAll(() => t.close());

const JUNE = { from: '2025-06-01T00:00:00Z', to: '2025-07-01T00:00:00Z' };

const DEFINE = `mutation($input: DefineMetricInput!, $reason: String!) {
  defineMetric(input: $input, reason: $reason) { name version type dimensions }
}`;

function base(name: string, extra: Record<string, unknown>) {
  return {
    name,
    label: name,
    description: `test metric ${name}`,
    owner: 'tests',
    unit: 'count',
    dimensions: ['plan', 'industry', 'account'],
    ...extra,
  };
}

async function define(definition: Record<string, unknown>, reason = 'test') {
  return t.query(DEFINE, { input: { definition }, reason });
}

async function total(name: string, window: Record<string, unknown> = JUNE, grain?: string) {
  const data = await t.query(
    `query($name: String!, $window: WindowInput!, $grain: Grain) {
      metric(name: $name, window: $window, grain: $grain) { total points { value } }
    }`,
    { name, window, grain },
  );
  return { total: data.metric.total, values: data.metric.points.map((p: any) => p.value) };
}

async function errorOf(query: string, variables: Record<string, unknown>, key?: string) {
  const { body } = await t.graphql(query, variables, key);
  expect(body.errors).toHaveLength(1);
  return body.errors[0];
}

describe('metric types declared through defineMetric', () => {
  beforeAll(async () => {
    await define(base('exports', { type: 'count', event: 'report_exported' }));
    await define(
      base('pdf_exports', {
        type: 'count',
        event: 'report_exported',
        where: [{ property: 'format', equals: 'pdf' }],
      }),
    );
    await define(
      base('exporting_users', { type: 'count_distinct', event: 'report_exported', of: 'user' }),
    );
    await define(
      base('exported_rows', { type: 'sum', event: 'report_exported', property: 'rows' }),
    );
    await define(base('avg_rows', { type: 'avg', event: 'report_exported', property: 'rows' }));
    await define(base('employees', { type: 'sum', column: 'employee_count' }));
    await define(
      base('exports_per_active_user', {
        type: 'ratio',
        unit: 'ratio',
        numerator: 'exports',
        denominator: 'active_users',
      }),
    );
    await define(base('exports_7d', { type: 'cumulative', metric: 'exports', trailing_days: 7 }));
    await define(base('exports_mtd', { type: 'cumulative', metric: 'exports', to_date: 'month' }));
    await define(
      base('exports_x2_minus_pdf', {
        type: 'derived',
        expression: '2 * exports - pdf_exports',
      }),
    );
  });

  test('count (rollup), count with a property filter, distinct users, sum and avg (raw events)', async () => {
    expect((await total('exports')).total).toBe(3);
    expect((await total('pdf_exports')).total).toBe(2);
    expect((await total('exporting_users')).total).toBe(3);
    expect((await total('exported_rows')).total).toBe(45);
    expect((await total('avg_rows')).total).toBe(15);
  });

  test('sum of an account column over the accounts existing in the window, test and deleted out', async () => {
    // A1 25 + A2 300 + A3 5 + A4 (none) + A7 60
    expect((await total('employees')).total).toBe(390);
  });

  test('ratio, derived and cumulative metrics', async () => {
    expect((await total('exports_per_active_user')).total).toBe(3 / 8);
    expect((await total('exports_x2_minus_pdf')).total).toBe(4);
    const days = { from: '2025-06-01T00:00:00Z', to: '2025-06-17T00:00:00Z' };
    const trailing = await total('exports_7d', days, 'DAY');
    // Exports on Jun 3, 10 and 15; each day's value covers the 7 days ending with it.
    expect(trailing.values).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
    const toDate = await total('exports_mtd', days, 'DAY');
    expect(toDate.values).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
  });

  test('renaming an event breaks nothing: the metric holds the stable id', async () => {
    await t.db.dataSource.query(`
      UPDATE event_definitions SET key = 'report_downloaded' WHERE id = 2;
      INSERT INTO event_definition_aliases (alias, definition_id) VALUES ('report_downloaded', 2);`);
    expect((await total('exports')).total).toBe(3);
    const { metricDefinition } = await t.query(
      `{ metricDefinition(name: "exports") { definition } }`,
    );
    expect(metricDefinition.definition.event).toEqual({ id: '2', key: 'report_exported' });
    // An old key still resolves (through the aliases) to the same definition.
    await define(base('exports_by_old_name', { type: 'count', event: 'report_exported' }));
    expect((await total('exports_by_old_name')).total).toBe(3);
  });
});

describe('versions', () => {
  test('a change makes a new version with who, when and why; an identical definition does not', async () => {
    const first = await define(base('logins', { type: 'count', event: 'page_viewed' }), 'first');
    expect(first.defineMetric.version).toBe(1);
    const second = await define(
      base('logins', { type: 'count', event: 'page_viewed', dimensions: ['industry'] }),
      'only industry',
    );
    expect(second.defineMetric).toEqual({
      name: 'logins',
      version: 2,
      type: 'count',
      dimensions: ['industry'],
    });
    const again = await define(
      base('logins', { type: 'count', event: 'page_viewed', dimensions: ['industry'] }),
      'no-op',
    );
    expect(again.defineMetric.version).toBe(2);
    const { metricDefinition } = await t.query(
      `{ metricDefinition(name: "logins") { version versions { version changedAt changedBy reason definition } } }`,
    );
    expect(metricDefinition.version).toBe(2);
    expect(metricDefinition.versions.map((v: any) => [v.version, v.changedBy, v.reason])).toEqual([
      [1, 'test admin', 'first'],
      [2, 'test admin', 'only industry'],
    ]);
    expect(metricDefinition.versions[1].definition.dimensions).toEqual(['industry']);
    expect(Date.parse(metricDefinition.versions[1].changedAt)).not.toBeNaN();
  });

  test('the YAML catalog is version 1 of each built-in metric, recorded by the sync', async () => {
    const { metricDefinition } = await t.query(
      `{ metricDefinition(name: "mrr") { version versions { version changedBy reason } } }`,
    );
    expect(metricDefinition.versions).toEqual([
      { version: 1, changedBy: 'startup', reason: 'added in schema/metrics/revenue.yml' },
    ]);
    // Syncing the unchanged files again records nothing.
    expect(await t.services.metrics.syncCatalog('again')).toEqual([]);
  });

  test('defineMetric accepts YAML text and needs the admin scope', async () => {
    const yaml = [
      'name: views',
      'label: Views',
      'description: Page views',
      'owner: tests',
      'unit: count',
      'type: count',
      'event: page_viewed',
    ].join('\n');
    const denied = await errorOf(DEFINE, { input: { yaml }, reason: 'x' }, t.keys.read);
    expect(denied.extensions.code).toBe('FORBIDDEN');
    const { defineMetric } = await t.query(DEFINE, { input: { yaml }, reason: 'from yaml' });
    expect(defineMetric).toMatchObject({ name: 'views', version: 1 });
  });
});

describe('errors say what was expected', () => {
  const METRIC = `query($name: String!, $window: WindowInput!, $groupBy: [String!]) {
    metric(name: $name, window: $window, groupBy: $groupBy) { total }
  }`;

  test('unknown metric', async () => {
    const error = await errorOf(METRIC, { name: 'mrrr', window: JUNE });
    expect(error.extensions.code).toBe('UNKNOWN_METRIC');
    expect(error.extensions.expected).toContain('mrr');
  });

  test('bad windows', async () => {
    const reversed = await errorOf(METRIC, {
      name: 'mrr',
      window: { from: JUNE.to, to: JUNE.from },
    });
    expect(reversed.extensions).toMatchObject({ code: 'INVALID_WINDOW', expected: 'from < to' });
    const zone = await errorOf(METRIC, { name: 'mrr', window: { ...JUNE, timezone: 'Mars/Base' } });
    expect(zone.extensions.code).toBe('INVALID_WINDOW');
    expect(zone.message).toContain('IANA');
    const both = await errorOf(METRIC, {
      name: 'mrr',
      window: { ...JUNE, relative: 'LAST_30_DAYS' },
    });
    expect(both.extensions.code).toBe('INVALID_WINDOW');
  });

  test('a dimension the metric does not declare', async () => {
    const error = await errorOf(METRIC, { name: 'nrr', window: JUNE, groupBy: ['plan'] });
    expect(error.extensions).toMatchObject({
      code: 'DIMENSION_NOT_ALLOWED',
      got: 'plan',
      expected: ['industry', 'employee_count_band', 'account', 'segment'],
    });
  });

  test('bad definitions name the metric and the field', async () => {
    const unknownField = await errorOf(DEFINE, {
      input: { definition: base('bad1', { type: 'count', event: 'page_viewed', colour: 'red' }) },
      reason: 'x',
    });
    expect(unknownField.extensions).toMatchObject({
      code: 'INVALID_METRIC_DEFINITION',
      metric: 'bad1',
      field: 'colour',
    });
    const unknownEvent = await errorOf(DEFINE, {
      input: { definition: base('bad2', { type: 'count', event: 'no_such_event' }) },
      reason: 'x',
    });
    expect(unknownEvent.extensions).toMatchObject({ metric: 'bad2', field: 'event' });
    const unknownMetric = await errorOf(DEFINE, {
      input: { definition: base('bad3', { type: 'ratio', numerator: 'mrr', denominator: 'nope' }) },
      reason: 'x',
    });
    expect(unknownMetric.message).toContain('unknown metric "nope"');
    const cycle = await errorOf(DEFINE, {
      input: { definition: base('loop', { type: 'derived', expression: 'loop + 1' }) },
      reason: 'x',
    });
    expect(cycle.message).toContain('cycle between metrics: loop -> loop');
    const dimension = await errorOf(DEFINE, {
      input: {
        definition: base('bad4', {
          type: 'ratio',
          numerator: 'nrr',
          denominator: 'mrr',
          dimensions: ['plan'],
        }),
      },
      reason: 'x',
    });
    expect(dimension.extensions).toMatchObject({ metric: 'bad4', field: 'dimensions' });
  });

  test('the sql field is admin-only; with admin it shows the parameterised statement', async () => {
    const query = `query($window: WindowInput!) { metric(name: "mrr", window: $window) { total sql } }`;
    const denied = await errorOf(query, { window: JUNE }, t.keys.read);
    expect(denied.extensions.code).toBe('FORBIDDEN');
    const { metric } = await t.query(query, { window: JUNE });
    expect(metric.sql[0]).toContain('FROM subscription_history h');
    expect(metric.sql[0]).toContain('-- params: [');
  });
});

test('a query asking for too many metrics or points is refused before it grows', async () => {
  const names = Array.from({ length: 21 }, () => 'mrr');
  const tooMany = await errorOf(
    `query($names: [String!]!) { metrics(names: $names, window: { relative: LAST_7_DAYS }) { total } }`,
    { names },
  );
  expect(tooMany.message).toBe('names: expected at most 20 metrics, got 21');
  await t.db.dataSource.query(`
    INSERT INTO accounts (external_id, created_at)
    SELECT 'many-' || n, '2024-01-01' FROM generate_series(1, 30) n;
    INSERT INTO plans (code, name, interval, price_minor, is_paid) VALUES ('x', 'X', 'MONTH', 100, true);
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
    SELECT 'many-s-' || a.id, a.id, (SELECT id FROM plans WHERE code = 'x'), 'ACTIVE', 100, '2024-01-01'
    FROM accounts a WHERE a.external_id LIKE 'many-%';
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT id, account_id, plan_id, 'ACTIVE', 100, 'USD', '2024-01-01' FROM subscriptions WHERE external_id LIKE 'many-s-%';`);
  const points = await errorOf(
    `{ metric(name: "mrr", grain: DAY, groupBy: ["account"],
        window: { from: "2024-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { total } }`,
    {},
  );
  expect(points.extensions).toMatchObject({ code: 'TOO_MANY_POINTS', maxPoints: 20000 });
});
