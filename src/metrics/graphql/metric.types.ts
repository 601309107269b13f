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

@ObjectType({ description: 'How fresh an answer is.' })
export class Freshness {
  @Field(() => FreshnessTierEnum)
  tier: string;

  @Field({ description: 'When the value was computed.' })
  computedAt: Date;

  @Field(() => Int)
  ageSeconds: number;

  @Field({ description: 'Whether the value came from the cache.' })
  cacheHit: boolean;
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
