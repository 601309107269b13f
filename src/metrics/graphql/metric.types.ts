import { GraphQLJSON } from '../../domain/shared/scalars';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COMPARISONS, GRAINS, RELATIVE_WINDOWS } from '../windows';
import { TIERS } from '../definition';

/** GraphQL enums built from the same lists the engine validates against. */
function enumOf<T extends string>(values: readonly T[]): Record<T, T> {
  return Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;
}

export const GrainEnum = enumOf(GRAINS);
registerEnumType(GrainEnum, {
  name: 'Grain',
  description: 'Bucket size of a metric series; weeks start on Monday.',
  valuesConfig: {
    DAY: { description: 'Calendar days in the window time zone (23 or 25 hours across DST).' },
    WEEK: { description: 'Weeks from Monday 00:00.' },
    MONTH: { description: 'Calendar months.' },
    QUARTER: { description: 'Calendar quarters (January, April, July, October).' },
    YEAR: { description: 'Calendar years.' },
  },
});

export const RelativeWindowEnum = enumOf(RELATIVE_WINDOWS);
registerEnumType(RelativeWindowEnum, {
  name: 'RelativeWindow',
  description:
    'Windows relative to now in the query time zone; LAST_n and _TO_DATE windows include the current day or month ' +
    '(ask with completeOnly for complete periods only).',
  valuesConfig: {
    LAST_7_DAYS: { description: 'The 7 days ending with today (today included).' },
    LAST_30_DAYS: { description: 'The 30 days ending with today (today included).' },
    LAST_90_DAYS: { description: 'The 90 days ending with today (today included).' },
    MONTH_TO_DATE: { description: 'From the start of this month to the end of today.' },
    QUARTER_TO_DATE: { description: 'From the start of this quarter to the end of today.' },
    YEAR_TO_DATE: { description: 'From the start of this year to the end of today.' },
    PREVIOUS_MONTH: { description: 'The whole previous calendar month.' },
    PREVIOUS_QUARTER: { description: 'The whole previous calendar quarter.' },
    LAST_12_MONTHS: {
      description: 'The 12 calendar months ending with this month (this month included).',
    },
  },
});

export const MetricCompareEnum = enumOf(COMPARISONS);
registerEnumType(MetricCompareEnum, {
  name: 'MetricCompare',
  description: 'What a metric is compared with.',
  valuesConfig: {
    PREVIOUS_PERIOD: {
      description: 'The window just before, of the same length (in months or days when whole).',
    },
    SAME_PERIOD_LAST_YEAR: { description: 'The same dates one year earlier.' },
  },
});

export const FreshnessTierEnum = enumOf(TIERS);
registerEnumType(FreshnessTierEnum, {
  name: 'FreshnessTier',
  description: "How fresh a metric's answers and pushes are kept.",
  valuesConfig: {
    REALTIME: { description: 'Pushed within a second of the event that changes it.' },
    NEAR_REALTIME: { description: 'At most 5 minutes old.' },
    HOURLY: { description: 'At most an hour old.' },
    DAILY: { description: 'At most a day old.' },
  },
});

export const FreshnessSourceEnum = { CACHE: 'CACHE', DATABASE: 'DATABASE', STALE: 'STALE' };
registerEnumType(FreshnessSourceEnum, {
  name: 'FreshnessSource',
  description: 'Where an answer came from.',
  valuesConfig: {
    CACHE: {
      description:
        'The answer cache: computed earlier, younger than its tier allows, and no write to its inputs committed since.',
    },
    DATABASE: { description: 'Computed from PostgreSQL for this request (and stored).' },
    STALE: {
      description:
        'The last cached answer, past its tier or invalidated, served because PostgreSQL could not answer in time (down, busy or a statement timeout); ageSeconds says how old.',
    },
  },
});

/** The `fresh` argument of metric, metrics, Account.metric and Account.metrics. */
export const FRESH_DESCRIPTION =
  'Compute anew from PostgreSQL and store the result, whatever the cache holds (the answer then says source: DATABASE). Default false.';

@ObjectType({ description: 'How fresh an answer is.' })
export class Freshness {
  @Field(() => FreshnessTierEnum, {
    description:
      "The metric's freshness tier: how old a cached answer may be (REALTIME 5 s, NEAR_REALTIME 5 min, HOURLY 1 h, DAILY 24 h).",
  })
  tier: string;

  @Field({ description: 'When the value was computed.' })
  computedAt: Date;

  @Field(() => Int, { description: 'Whole seconds between computedAt and this answer.' })
  ageSeconds: number;

  @Field({ description: 'Whether the value came from the cache (source CACHE or STALE).' })
  cacheHit: boolean;

  @Field(() => FreshnessSourceEnum, { description: 'Where the value came from.' })
  source: string;
}

@ObjectType({ description: 'One version of a metric definition.' })
export class MetricDefinitionVersion {
  @Field(() => Int, { description: 'Version number, from 1, one more per change.' })
  version: number;

  @Field({ description: 'When this version was recorded.' })
  changedAt: Date;

  @Field({ description: 'Who made the change: an API key name or the YAML sync.' })
  changedBy: string;

  @Field({
    description: 'Why it changed, as given (defineMetric reason, or the YAML file that changed).',
  })
  reason: string;

  @Field(() => GraphQLJSON, { description: 'The definition as stored (events by id).' })
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'A declared metric (schema/metrics/*.yml or defineMetric).' })
export class MetricDefinitionType {
  @Field({ description: 'The name to query it by, e.g. mrr.' })
  name: string;

  @Field({ description: 'Human-readable name, e.g. Monthly recurring revenue.' })
  label: string;

  @Field({ description: 'What the metric measures, exactly.' })
  description: string;

  @Field({ description: 'The team answerable for the definition.' })
  owner: string;

  @Field({ description: 'currency, count, ratio, percent or number.' })
  unit: string;

  @Field({
    description: 'count, count_distinct, sum, avg, ratio, derived, cumulative, revenue, usage.',
  })
  type: string;

  @Field(() => FreshnessTierEnum, {
    description: 'Freshness tier: cache lifetime and push schedule.',
  })
  tier: string;

  @Field(() => [String], { description: 'Dimensions it may be grouped and filtered by.' })
  dimensions: string[];

  @Field(() => Int, { description: 'The current version (see versions).' })
  version: number;

  @Field({ description: 'When the current version was recorded.' })
  updatedAt: Date;

  @Field(() => GraphQLJSON, {
    description: 'The whole current definition, as stored (events by id).',
  })
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'The absolute window a metric was evaluated over.' })
export class MetricWindow {
  @Field({ description: 'Start of the window (inclusive).' })
  from: Date;

  @Field({ description: 'End of the window (exclusive).' })
  to: Date;

  @Field({ description: 'IANA zone of the calendar arithmetic (days, weeks, months).' })
  timezone: string;
}

@ObjectType({ description: 'One bucket [start, end) of a series.' })
export class MetricPoint {
  @Field({ description: 'Start of the bucket (inclusive).' })
  start: Date;

  @Field({ description: 'End of the bucket (exclusive).' })
  end: Date;

  @Field(() => Float, { description: 'The metric over the bucket (0 when there is no data).' })
  value: number;

  @Field(() => GraphQLJSON, { description: 'Group-by values, e.g. { "plan": "pro" }.' })
  dimensions: Record<string, string>;

  @Field(() => Float, {
    nullable: true,
    description:
      'The plan target of this bucket (and group: a target with a dimension value matches a group by plan or segment), or null without one. Flow metrics sum the months of the bucket (a month is a third of a quarter target), stock metrics (mrr, arr, balances) take the target of its last month, rates only a target of exactly the bucket. See docs/targets.md.',
  })
  target?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'value / target; null when there is no target or it is 0.',
  })
  attainment?: number | null;
  @Field({
    description:
      'True when the bucket was not complete at query time (its end is after now): its value will still change. ' +
      'Ask with window.completeOnly for complete periods only.',
  })
  partial: boolean;
}

@ObjectType({ description: 'The same metric over the comparison window.' })
export class MetricComparison {
  @Field(() => MetricWindow, { description: 'The comparison window.' })
  window: MetricWindow;

  @Field(() => Float, { description: "The metric's total over the comparison window." })
  total: number;

  @Field(() => Float, { description: 'total - comparison total.' })
  change: number;

  @Field(() => Float, {
    nullable: true,
    description: 'change / comparison total; null when that is 0.',
  })
  changeRatio: number | null;

  @Field(() => [MetricPoint], { description: "The comparison window's buckets, ungrouped." })
  points: MetricPoint[];
}

@ObjectType({ description: 'A metric evaluated over a window.' })
export class MetricResult {
  @Field({ description: 'The metric asked for.' })
  name: string;

  @Field(() => MetricDefinitionType, {
    description: 'The definition version that computed this answer.',
  })
  definition: MetricDefinitionType;

  @Field(() => MetricWindow, {
    description: 'The absolute window evaluated (a relative window resolved at query time).',
  })
  window: MetricWindow;

  @Field(() => GrainEnum, {
    description: 'The bucket size asked for; null for one bucket over the whole window.',
    nullable: true,
  })
  grain: string | null;

  @Field(() => Float, {
    description:
      'Over the whole window, ungrouped: distinct counts are distinct over the window, additive metrics sum, snapshots (MRR...) take the last bucket.',
  })
  total: number;

  @Field(() => [MetricPoint], { description: 'One per bucket (and group), zero-filled.' })
  points: MetricPoint[];

  @Field(() => Float, {
    nullable: true,
    description:
      'The plan target of the whole window (ungrouped targets only), mapped as for points; null without one.',
  })
  totalTarget?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'total / totalTarget; null when there is no target or it is 0.',
  })
  totalAttainment?: number | null;

  @Field(() => MetricComparison, {
    description: 'The comparison asked for with compare; null without.',
    nullable: true,
  })
  comparison: MetricComparison | null;

  @Field(() => Freshness, { description: 'How fresh the answer is.' })
  freshness: Freshness;

  /** Resolved by MetricResolver with the admin scope. */
  statements: string[];
}

export const MetricExclusionEnum = {
  TEST_ACCOUNT: 'TEST_ACCOUNT',
  DELETED_ACCOUNT: 'DELETED_ACCOUNT',
};
registerEnumType(MetricExclusionEnum, {
  name: 'MetricExclusion',
  description: 'Why an account is left out of its own metric value.',
  valuesConfig: {
    TEST_ACCOUNT: { description: 'The account is a test account (isTest); ask with includeTest.' },
    DELETED_ACCOUNT: {
      description: 'The account is soft-deleted; ask with includeDeleted.',
    },
  },
});

@ObjectType({ description: "A metric's value for one account over a window." })
export class AccountMetricValue {
  @Field({ description: 'The metric asked for.' })
  name: string;

  @Field(() => Float, {
    description: 'The value over the window; 0 when the account is excluded (see excluded).',
  })
  value: number;

  @Field(() => MetricExclusionEnum, {
    nullable: true,
    description:
      'Set when the account itself is left out of the metric, so value is 0 by exclusion, not by data; null otherwise.',
  })
  excluded: keyof typeof MetricExclusionEnum | null;

  @Field(() => Freshness, { description: 'How fresh the value is.' })
  freshness: Freshness;
}
