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

  @Field({
    description:
      'True when the bucket was not complete at query time (its end is after now): its value will still change. ' +
      'Ask with window.completeOnly for complete periods only.',
  })
  partial: boolean;
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
