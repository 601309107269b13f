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
});

export const RelativeWindowEnum = enumOf(RELATIVE_WINDOWS);
registerEnumType(RelativeWindowEnum, {
  name: 'RelativeWindow',
  description:
    'Windows relative to now in the query time zone; LAST_n windows include the current day or month.',
});

export const MetricCompareEnum = enumOf(COMPARISONS);
registerEnumType(MetricCompareEnum, {
  name: 'MetricCompare',
  description: 'What a metric is compared with.',
});

export const FreshnessTierEnum = enumOf(TIERS);
registerEnumType(FreshnessTierEnum, { name: 'FreshnessTier' });

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
  @Field(() => Int)
  version: number;

  @Field()
  changedAt: Date;

  @Field({ description: 'Who made the change: an API key name or the YAML sync.' })
  changedBy: string;

  @Field()
  reason: string;

  @Field(() => GraphQLJSON, { description: 'The definition as stored (events by id).' })
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'A declared metric (schema/metrics/*.yml or defineMetric).' })
export class MetricDefinitionType {
  @Field()
  name: string;

  @Field()
  label: string;

  @Field()
  description: string;

  @Field()
  owner: string;

  @Field()
  unit: string;

  @Field({
    description: 'count, count_distinct, sum, avg, ratio, derived, cumulative, revenue, usage.',
  })
  type: string;

  @Field(() => FreshnessTierEnum)
  tier: string;

  @Field(() => [String], { description: 'Dimensions it may be grouped and filtered by.' })
  dimensions: string[];

  @Field(() => Int)
  version: number;

  @Field()
  updatedAt: Date;

  @Field(() => GraphQLJSON)
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'The absolute window a metric was evaluated over.' })
export class MetricWindow {
  @Field()
  from: Date;

  @Field()
  to: Date;

  @Field()
  timezone: string;
}

@ObjectType({ description: 'One bucket [start, end) of a series.' })
export class MetricPoint {
  @Field()
  start: Date;

  @Field()
  end: Date;

  @Field(() => Float)
  value: number;

  @Field(() => GraphQLJSON, { description: 'Group-by values, e.g. { "plan": "pro" }.' })
  dimensions: Record<string, string>;
}

@ObjectType({ description: 'The same metric over the comparison window.' })
export class MetricComparison {
  @Field(() => MetricWindow)
  window: MetricWindow;

  @Field(() => Float)
  total: number;

  @Field(() => Float, { description: 'total - comparison total.' })
  change: number;

  @Field(() => Float, {
    nullable: true,
    description: 'change / comparison total; null when that is 0.',
  })
  changeRatio: number | null;

  @Field(() => [MetricPoint])
  points: MetricPoint[];
}

@ObjectType({ description: 'A metric evaluated over a window.' })
export class MetricResult {
  @Field()
  name: string;

  @Field(() => MetricDefinitionType)
  definition: MetricDefinitionType;

  @Field(() => MetricWindow)
  window: MetricWindow;

  @Field(() => GrainEnum, { nullable: true })
  grain: string | null;

  @Field(() => Float, {
    description:
      'Over the whole window, ungrouped: distinct counts are distinct over the window, additive metrics sum, snapshots (MRR...) take the last bucket.',
  })
  total: number;

  @Field(() => [MetricPoint], { description: 'One per bucket (and group), zero-filled.' })
  points: MetricPoint[];

  @Field(() => MetricComparison, { nullable: true })
  comparison: MetricComparison | null;

  @Field(() => Freshness)
  freshness: Freshness;

  /** Resolved by MetricResolver with the admin scope. */
  statements: string[];
}

@ObjectType({ description: "A metric's value for one account over a window." })
export class AccountMetricValue {
  @Field()
  name: string;

  @Field(() => Float)
  value: number;

  @Field(() => Freshness)
  freshness: Freshness;
}
