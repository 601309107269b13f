import type { Dimension } from './definition';
import type { CompileRequest, DimensionFilter } from './compiler/request';
import {
  alignedToUtcDays,
  alignedToUtcMonths,
  dayStartsIn,
  monthStartsIn,
  type Bucket,
  type ResolvedWindow,
} from './windows';

/** A validated metric query, before compilation. */
export type MetricQuery = {
  window: ResolvedWindow;
  grain: import('./windows').Grain | null;
  groupBy: Dimension[];
  filters: DimensionFilter[];
  includeTest: boolean;
  includeDeleted: boolean;
  accountIds?: string[];
  now: Date;
};

/**
 * The compiler's request for a set of buckets: instants as Dates, the local month and day
 * starts the revenue and daily measures need, and which activity source answers exactly.
 * Pure: `now` comes from the query.
 */
export function buildCompileRequest(query: MetricQuery, buckets: Bucket[]): CompileRequest {
  const from = buckets.reduce((min, b) => (b.start < min ? b.start : min), buckets[0].start);
  const to = buckets.reduce((max, b) => (b.end > max ? b.end : max), buckets[0].end);
  const boundaries = buckets.flatMap((b) => [b.start, b.end]);
  const activitySource = !alignedToUtcDays(boundaries)
    ? 'raw'
    : alignedToUtcMonths(boundaries)
      ? 'monthly'
      : 'daily';
  const planAt = to.toJSDate() < query.now ? to.toJSDate() : query.now;
  return {
    timezone: query.window.timezone,
    buckets: buckets.map((b) => ({ start: b.start.toJSDate(), end: b.end.toJSDate() })),
    groupBy: query.groupBy,
    filters: query.filters,
    includeTest: query.includeTest,
    includeDeleted: query.includeDeleted,
    accountIds: query.accountIds,
    planAt,
    dayStarts: dayStartsIn(from, to).map((d) => d.toJSDate()),
    monthStarts: monthStartsIn(from, to).map((d) => d.toJSDate()),
    activitySource,
  };
}
