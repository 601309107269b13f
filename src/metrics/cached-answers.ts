import type { AnswerSpec, CacheTier, CachedValue } from '../cache';
import type { DataFamily } from '../shared/write-observer';
import type { MetricQuery } from './compile-request';
import type { MetricDefinition } from './definition';
import type { MetricAnswer } from './metrics.service';
import type { Comparison, ResolvedWindow } from './windows';

/**
 * How metric answers live in the answer cache (src/cache, which knows no metric): what their
 * key holds, which inputs they depend on, and their stored form.
 */

/** Everything besides name and version that changes a `metric` answer. */
export function answerShape(query: MetricQuery, compare: Comparison | null) {
  return {
    from: query.window.from.toISO(),
    to: query.window.to.toISO(),
    timezone: query.window.timezone,
    grain: query.grain,
    groupBy: query.groupBy,
    filters: query.filters,
    includeTest: query.includeTest,
    includeDeleted: query.includeDeleted,
    accountIds: query.accountIds ?? null,
    compare,
  };
}

/** The window part of a per-account answer's key (Account.metric reads no filter or grain). */
export function accountAnswerShape(window: ResolvedWindow) {
  return { from: window.from.toISO(), to: window.to.toISO(), timezone: window.timezone };
}

/**
 * The families of inputs a definition reads. Revenue metrics read subscriptions and accounts
 * (dimensions, test and deleted flags), never events; any other type may read all three
 * (a ratio or derived metric may combine both kinds).
 */
export function familiesOf(definition: MetricDefinition): DataFamily[] {
  return definition.type === 'revenue'
    ? ['subscriptions', 'accounts']
    : ['subscriptions', 'accounts', 'events'];
}

export function specOf(key: string, definition: MetricDefinition, fresh: boolean): AnswerSpec {
  return { key, tier: definition.tier as CacheTier, dependsOn: familiesOf(definition), fresh };
}

type StoredPoint = { s: number; e: number; v: number; d: Record<string, string> };
type StoredAnswer = {
  total: number;
  points: StoredPoint[];
  comparison: {
    total: number;
    change: number;
    changeRatio: number | null;
    points: StoredPoint[];
  } | null;
  statements: string[];
};

/** The parts of an answer that are not rebuilt from the query: numbers, points, statements. */
export function serialiseAnswer(answer: MetricAnswer): string {
  const stored: StoredAnswer = {
    total: answer.total,
    points: answer.points.map(storedPoint),
    comparison: answer.comparison && {
      total: answer.comparison.total,
      change: answer.comparison.change,
      changeRatio: answer.comparison.changeRatio,
      points: answer.comparison.points.map(storedPoint),
    },
    statements: answer.statements,
  };
  return JSON.stringify(stored);
}

/** A cached answer with its freshness; window and definition come from the current query. */
export function deserialiseAnswer(
  cached: CachedValue,
  frame: Pick<MetricAnswer, 'name' | 'definition' | 'window' | 'grain'> & {
    comparisonWindow: ResolvedWindow | null;
  },
): MetricAnswer {
  const stored = JSON.parse(cached.value) as StoredAnswer;
  return {
    name: frame.name,
    definition: frame.definition,
    window: frame.window,
    grain: frame.grain,
    total: stored.total,
    points: stored.points.map(answerPoint),
    comparison:
      stored.comparison && frame.comparisonWindow
        ? {
            window: frame.comparisonWindow,
            total: stored.comparison.total,
            change: stored.comparison.change,
            changeRatio: stored.comparison.changeRatio,
            points: stored.comparison.points.map(answerPoint),
          }
        : null,
    freshness: freshnessOf(cached, frame.definition.definition.tier),
    statements: stored.statements,
  };
}

export function freshnessOf(cached: Omit<CachedValue, 'value'>, tier: string) {
  return {
    tier,
    computedAt: cached.computedAt,
    ageSeconds: cached.ageSeconds,
    cacheHit: cached.cacheHit,
    source: cached.source,
  };
}

function storedPoint(point: MetricAnswer['points'][number]): StoredPoint {
  return { s: point.start.getTime(), e: point.end.getTime(), v: point.value, d: point.dimensions };
}

function answerPoint(point: StoredPoint): MetricAnswer['points'][number] {
  return { start: new Date(point.s), end: new Date(point.e), value: point.v, dimensions: point.d };
}
