import type { Dimension } from '../definition';

/** A dimension filter after validation: equality, membership or a numeric range. */
export type DimensionFilter =
  | { dimension: Dimension; equals: string }
  | { dimension: Dimension; in: string[] }
  | { dimension: 'employee_count'; min?: number; max?: number };

/** What the compiler needs besides the definition; instants are plain `Date`s in UTC. */
export type CompileRequest = {
  /** IANA zone: local days and months of the query. */
  timezone: string;
  /** Half-open `[start, end)` buckets, in order; one of them may be the whole window. */
  buckets: Array<{ start: Date; end: Date }>;
  groupBy: Dimension[];
  filters: DimensionFilter[];
  includeTest: boolean;
  includeDeleted: boolean;
  /** Restricts to these accounts (Account.metric batches). */
  accountIds?: string[];
  /** Instant at which an account's plan is read for the `plan` dimension of usage metrics. */
  planAt: Date;
  /** Day starts (local midnights) inside the buckets, for daily-ratio measures. */
  dayStarts: Date[];
  /** Month starts (local) inside the buckets, for MRR movements. */
  monthStarts: Date[];
  /** `daily`/`monthly` when every boundary is a UTC day/month start, else `raw`. */
  activitySource: 'monthly' | 'daily' | 'raw';
};

/** Rows every compiled statement returns: bucket index, one column per groupBy, value. */
export type MetricRow = { bucket: number; value: number | string | null } & Record<string, unknown>;

export function dimensionColumn(dimension: Dimension): string {
  return `d_${dimension}`;
}
