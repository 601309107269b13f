import type { DateTime } from 'luxon';
import { buildCompileRequest, type MetricQuery } from './compile-request';
import {
  compileMetricQuery,
  compilesToSql,
  type SqlMetricDefinition,
} from './compiler/compile-metric-query';
import { dimensionColumn } from './compiler/request';
import type { CompiledSql } from './compiler/sql-params';
import {
  REVENUE_MEASURE_TRAITS,
  type CumulativeMetric,
  type DerivedMetric,
  type Dimension,
  type MetricDefinition,
  type RatioMetric,
} from './definition';
import { evaluateExpression, identifiersOf, parseExpression } from './expression';
import type { MetricExecutor } from './executor';
import { MAX_POINTS, tooManyPoints } from './limits';
import { HarmonyError } from '../shared/errors';
import { bucketsOf, parseOffset, shiftWindow, type Bucket } from './windows';

/** One group of a result: its dimension values, a value per bucket, and its window total. */
export type SeriesGroup = { dimensions: Record<string, string>; values: number[]; total: number };

/** A metric evaluated over a window: buckets, groups, and every statement that ran. */
export type Series = { buckets: Bucket[]; groups: SeriesGroup[]; statements: CompiledSql[] };

/** Revenue snapshots: a window's total is its last bucket (the latest state), not a sum. */
export function isSnapshot(definition: MetricDefinition): boolean {
  if (definition.type === 'actuals') return definition.aggregate === 'last';
  return definition.type === 'revenue' && REVENUE_MEASURE_TRAITS[definition.measure].snapshot;
}

/**
 * Evaluates definitions: SQL-backed types through the compiler and executor, composites
 * (ratio, derived, cumulative) by combining their inputs' series bucket by bucket.
 */
export class MetricEvaluator {
  constructor(
    private readonly executor: MetricExecutor,
    private readonly lookup: (name: string) => Promise<MetricDefinition>,
  ) {}

  async evaluate(definition: MetricDefinition, query: MetricQuery): Promise<Series> {
    if (compilesToSql(definition)) return this.evaluateSql(definition, query);
    switch (definition.type) {
      case 'ratio':
        return this.evaluateRatio(definition, query);
      case 'derived':
        return this.evaluateDerived(definition, query);
      case 'cumulative':
        return this.evaluateCumulative(definition, query);
    }
  }

  private async evaluateSql(definition: SqlMetricDefinition, query: MetricQuery): Promise<Series> {
    const buckets = bucketsOf(query.window, query.grain);
    const withTotal = query.grain !== null && !isSnapshot(definition);
    const sqlBuckets = withTotal
      ? [...buckets, { start: query.window.from, end: query.window.to }]
      : buckets;
    const maxGroups = Math.floor(MAX_POINTS / buckets.length);
    const statement = limitGroups(
      compileMetricQuery(definition, buildCompileRequest(query, sqlBuckets)),
      query.groupBy,
      maxGroups,
    );
    const rows = await this.executor.run(statement);
    if (rows.some((row) => Number(row.group_rank) > maxGroups)) {
      throw tooManyPoints((maxGroups + 1) * buckets.length);
    }
    const groups = new Map<string, SeriesGroup>();
    for (const row of rows) {
      const dimensions = Object.fromEntries(
        query.groupBy.map((d) => [d, String(row[dimensionColumn(d)] ?? 'none')]),
      );
      if (row.mixed_currencies === true) throw mixedCurrencies(definition, dimensions);
      const key = JSON.stringify(dimensions);
      let group = groups.get(key);
      if (!group) {
        group = { dimensions, values: buckets.map(() => 0), total: 0 };
        groups.set(key, group);
      }
      const value = Number(row.value ?? 0);
      if (row.bucket < buckets.length) group.values[row.bucket] = value;
      else group.total = value;
    }
    if (!groups.size && query.groupBy.length === 0) {
      groups.set('{}', { dimensions: {}, values: buckets.map(() => 0), total: 0 });
    }
    for (const group of groups.values()) {
      if (!withTotal) group.total = group.values[group.values.length - 1] ?? 0;
    }
    return { buckets, groups: [...groups.values()], statements: [statement] };
  }

  /** numerator / denominator per bucket and group; 0 where the denominator is 0. */
  private async evaluateRatio(definition: RatioMetric, query: MetricQuery): Promise<Series> {
    const [numerator, denominator] = await Promise.all([
      this.evaluateNamed(definition.numerator, query),
      this.evaluateNamed(definition.denominator, query),
    ]);
    return combine({ n: numerator, d: denominator }, (v) => (v.d ? v.n / v.d : 0));
  }

  /** An expression over other metrics, each optionally read over a shifted window. */
  private async evaluateDerived(definition: DerivedMetric, query: MetricQuery): Promise<Series> {
    const expression = parseExpression(definition.expression);
    const inputs = await Promise.all(
      identifiersOf(expression).map(async (identifier) => {
        const input = definition.inputs[identifier] ?? { metric: identifier };
        const shifted = input.offset
          ? { ...query, window: shiftWindow(query.window, parseOffset(input.offset)) }
          : query;
        return [identifier, await this.evaluateNamed(input.metric, shifted)] as const;
      }),
    );
    const own = bucketsOf(query.window, query.grain);
    const combined = combine(Object.fromEntries(inputs), (values) =>
      evaluateExpression(expression, values),
    );
    return { ...combined, buckets: own };
  }

  /**
   * A running sum of an additive metric: for each bucket, its input summed over the trailing
   * N days or since the start of the month/quarter/year, up to the bucket's end. Reads the
   * input once, by day, over the longest range any bucket needs.
   */
  private async evaluateCumulative(
    definition: CumulativeMetric,
    query: MetricQuery,
  ): Promise<Series> {
    const buckets = bucketsOf(query.window, query.grain);
    const rangeOf = (end: DateTime): [DateTime, DateTime] => {
      if (definition.trailing_days) return [end.minus({ days: definition.trailing_days }), end];
      return [end.minus({ milliseconds: 1 }).startOf(definition.to_date ?? 'month'), end];
    };
    const ranges = buckets.map((b) => rangeOf(b.end));
    const from = ranges.reduce((min, [start]) => (start < min ? start : min), ranges[0][0]);
    const daily = await this.evaluateNamed(definition.metric, {
      ...query,
      grain: 'DAY',
      window: { ...query.window, from: from.startOf('day'), to: query.window.to },
    });
    const groups = daily.groups.map((group) => {
      const values = ranges.map(([start, end]) =>
        daily.buckets.reduce(
          (sum, day, index) =>
            day.start >= start && day.start < end ? sum + group.values[index] : sum,
          0,
        ),
      );
      return { dimensions: group.dimensions, values, total: values[values.length - 1] ?? 0 };
    });
    return { buckets, groups, statements: daily.statements };
  }

  private async evaluateNamed(name: string, query: MetricQuery): Promise<Series> {
    return this.evaluate(await this.lookup(name), query);
  }
}

/** A value that would add amounts in several currencies: refused, never reported. */
function mixedCurrencies(definition: MetricDefinition, dimensions: Record<string, string>) {
  const group = Object.keys(dimensions).length ? ` in group ${JSON.stringify(dimensions)}` : '';
  return new HarmonyError(
    'MIXED_CURRENCIES',
    `metric "${definition.name}"${group} would add amounts in different currencies; Harmony does not convert currencies: group by account or filter to accounts billed in one currency`,
    { metric: definition.name, dimensions },
  );
}

/**
 * Keeps the first `maxGroups + 1` groups of a grouped statement (`dense_rank` over the group
 * columns), so however many groups the data has, at most about MAX_POINTS rows reach memory;
 * a row ranked past `maxGroups` tells the caller the answer is too large.
 */
function limitGroups(statement: CompiledSql, groupBy: readonly Dimension[], maxGroups: number) {
  if (groupBy.length === 0) return statement;
  const columns = groupBy.map(dimensionColumn).join(', ');
  const limit = `$${statement.params.length + 1}::bigint`;
  return {
    sql: `SELECT * FROM (\n  SELECT r.*, dense_rank() OVER (ORDER BY ${columns}) AS group_rank\n  FROM (\n${statement.sql}\n  ) r\n) ranked\nWHERE group_rank <= ${limit}`,
    params: [...statement.params, maxGroups + 1],
  };
}

/**
 * Combines named series group by group and bucket by bucket (by index, so a shifted input
 * lines up with the bucket it is compared with); totals combine the inputs' totals.
 */
function combine(
  inputs: Record<string, Series>,
  apply: (values: Record<string, number>) => number,
): Series {
  const names = Object.keys(inputs);
  const first = inputs[names[0]];
  const keys = new Map<string, Record<string, string>>();
  for (const series of Object.values(inputs)) {
    for (const group of series.groups) keys.set(JSON.stringify(group.dimensions), group.dimensions);
  }
  const find = (series: Series, key: string) =>
    series.groups.find((g) => JSON.stringify(g.dimensions) === key);
  const groups = [...keys].map(([key, dimensions]) => {
    const values = first.buckets.map((_, index) =>
      apply(Object.fromEntries(names.map((n) => [n, find(inputs[n], key)?.values[index] ?? 0]))),
    );
    const total = apply(
      Object.fromEntries(names.map((n) => [n, find(inputs[n], key)?.total ?? 0])),
    );
    return { dimensions, values, total };
  });
  return {
    buckets: first.buckets,
    groups,
    statements: Object.values(inputs).flatMap((s) => s.statements),
  };
}
