import { DateTime } from 'luxon';
import { buildCompileRequest, type MetricQuery } from '../compile-request';
import type { MetricDefinition } from '../definition';
import { bucketsOf, resolveWindow } from '../windows';
import { monthBitMasks } from './activity';
import { compileMetricQuery, type SqlMetricDefinition } from './compile-metric-query';

const common = {
  label: 'x',
  description: 'x',
  owner: 'x',
  unit: 'count',
  tier: 'DAILY',
  dimensions: [],
};
const exportsMetric = {
  ...common,
  name: 'exports',
  type: 'count',
  event: { id: '42', key: 'report_exported' },
  where: [],
} as MetricDefinition as SqlMetricDefinition;
const activeUsers = {
  ...common,
  name: 'active_users',
  type: 'usage',
  measure: 'active_users',
} as SqlMetricDefinition;
const mrr = { ...common, name: 'mrr', type: 'revenue', measure: 'mrr' } as SqlMetricDefinition;

const NOW = new Date('2025-11-19T12:00:00Z');

function request(from: string, to: string, overrides: Partial<MetricQuery> = {}, timezone = 'UTC') {
  const query: MetricQuery = {
    window: resolveWindow({ from: new Date(from), to: new Date(to), timezone }, NOW),
    grain: null,
    groupBy: [],
    filters: [],
    includeTest: false,
    includeDeleted: false,
    now: NOW,
    ...overrides,
  };
  return buildCompileRequest(query, bucketsOf(query.window, query.grain));
}

test('a plain count over UTC days reads event_counts_daily, less the events of excluded users: exact SQL and parameters', () => {
  const compiled = compileMetricQuery(
    exportsMetric,
    request('2025-06-01T00:00:00Z', '2025-06-08T00:00:00Z'),
  );
  expect(compiled.sql).toBe(
    [
      'WITH buckets AS (',
      '  SELECT (b.i - 1)::int AS bucket, b.starts_at, b.ends_at',
      '  FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS b(starts_at, ends_at, i)',
      '),',
      'x AS (',
      '  SELECT b.bucket, r.account_id, NULL::bigint AS user_id, r.event_count AS amount',
      '  FROM buckets b',
      '  JOIN event_counts_daily r ON r.definition_id = $3::bigint',
      "    AND r.day >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.day < (b.ends_at AT TIME ZONE 'UTC')::date",
      '  UNION ALL',
      '  SELECT b.bucket, coalesce(e.account_id, 0), NULL::bigint, -1',
      '  FROM (SELECT id FROM users WHERE is_test OR deleted_at IS NOT NULL) xu',
      '  CROSS JOIN LATERAL (',
      '    SELECT e.account_id, e.occurred_at FROM events e',
      '    WHERE e.user_id = xu.id AND e.definition_id = $3::bigint',
      '      AND e.occurred_at >= (SELECT min(starts_at) FROM buckets)',
      '      AND e.occurred_at < (SELECT max(ends_at) FROM buckets)',
      '    OFFSET 0 -- one probe per excluded user, through the (user_id, occurred_at) index',
      '  ) e',
      '  JOIN buckets b ON e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at',
      ')',
      'SELECT x.bucket, coalesce(sum(x.amount), 0)::float8 AS value',
      'FROM x',
      'LEFT JOIN accounts a ON a.id = x.account_id',
      'WHERE NOT coalesce(a.is_test OR a.deleted_at IS NOT NULL, false)',
      'GROUP BY x.bucket',
      'HAVING sum(x.amount) <> 0',
    ].join('\n'),
  );
  expect(compiled.params).toEqual([
    [new Date('2025-06-01T00:00:00Z')],
    [new Date('2025-06-08T00:00:00Z')],
    '42',
  ]);
});

test('user-supplied filter values only ever travel as parameters', () => {
  const hostile = "x'); DROP TABLE accounts; --";
  const compiled = compileMetricQuery(
    activeUsers,
    request('2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z', {
      groupBy: ['industry'],
      filters: [
        { dimension: 'industry', equals: hostile },
        { dimension: 'plan', in: [hostile] },
      ],
    }),
  );
  expect(compiled.sql).not.toContain(hostile);
  expect(compiled.params).toContain(hostile);
  expect(compiled.params).toContainEqual([hostile]);
  expect(compiled.sql).toContain("coalesce(a.industry, 'unknown') = $");
});

test('the activity source follows the window: month bits, monthly rollup, daily rollup, or raw events', () => {
  const months = compileMetricQuery(
    activeUsers,
    request('2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z', { grain: 'MONTH' }),
  );
  expect(months.sql).toContain('FROM user_month_bits u');
  // January and February 2025 as bits of era 5 (2025-2029).
  expect(months.params).toEqual([2025, 2025, 2025, 5, ['1', '2']]);
  const grouped = compileMetricQuery(
    activeUsers,
    request('2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z', {
      grain: 'MONTH',
      groupBy: ['industry'],
    }),
  );
  expect(grouped.sql).toContain('JOIN user_activity_monthly r');
  const days = compileMetricQuery(
    activeUsers,
    request('2025-01-01T00:00:00Z', '2025-01-15T00:00:00Z'),
  );
  expect(days.sql).toContain('JOIN user_activity_daily r');
  const berlin = compileMetricQuery(
    activeUsers,
    request('2024-12-31T23:00:00Z', '2025-01-31T23:00:00Z', {}, 'Europe/Berlin'),
  );
  expect(berlin.sql).toContain(
    'JOIN events e ON e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at',
  );
  expect(berlin.params).toContain('Europe/Berlin');
});

test('month bit masks span years: November 2024 to February 2025', () => {
  const at = (iso: string) => new Date(iso);
  expect(
    monthBitMasks([
      { start: at('2024-11-01T00:00:00Z'), end: at('2025-01-01T00:00:00Z') },
      { start: at('2025-01-01T00:00:00Z'), end: at('2025-03-01T00:00:00Z') },
    ]),
  ).toEqual({
    firstYear: 2024,
    lastYear: 2025,
    masks: [String(0b110000000000), String(0b11 << 12)],
  });
  expect(
    monthBitMasks([{ start: at('2025-01-15T00:00:00Z'), end: at('2025-02-01T00:00:00Z') }]),
  ).toBeNull();
});

test('revenue metrics read subscription_history at the bucket starts, never events', () => {
  const compiled = compileMetricQuery(
    mrr,
    request('2025-01-01T00:00:00Z', '2025-04-01T00:00:00Z', { grain: 'MONTH' }),
  );
  expect(compiled.sql).toContain('FROM subscription_history h');
  expect(compiled.sql).not.toMatch(/\bevents\b/);
  expect(compiled.params[0]).toEqual(
    ['2025-01-01', '2025-02-01', '2025-03-01'].map((d) =>
      DateTime.fromISO(`${d}T00:00:00Z`).toJSDate(),
    ),
  );
});

test('local month and day starts come from the zone (DST month in Berlin)', () => {
  const compiled = request(
    '2025-02-28T23:00:00Z',
    '2025-04-30T22:00:00Z',
    { grain: 'MONTH' },
    'Europe/Berlin',
  );
  expect(compiled.monthStarts.map((d) => d.toISOString())).toEqual([
    '2025-02-28T23:00:00.000Z',
    '2025-03-31T22:00:00.000Z',
  ]);
  expect(compiled.dayStarts).toHaveLength(61);
  expect(compiled.activitySource).toBe('raw');
});
