import { GraphQLJSON } from '../../domain/shared/scalars';
import { ArgsType, Field, Float, InputType } from 'type-graphql';
import {
  FRESH_DESCRIPTION,
  GrainEnum,
  MetricCompareEnum,
  RelativeWindowEnum,
} from './metric.types';

@InputType({
  description:
    'A half-open window [from, to): either absolute { from, to } or { relative }; calendar arithmetic in timezone.',
})
export class WindowInput {
  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;

  @Field(() => RelativeWindowEnum, { nullable: true })
  relative?: keyof typeof RelativeWindowEnum | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone name. Default UTC.' })
  timezone?: string | null;
}

@InputType({
  description:
    'A filter on one dimension: equals, in, or a min/max range (range only for employee_count).',
})
export class DimensionFilterInput {
  @Field({
    description: 'plan, industry, employee_count_band, account, or employee_count (range).',
  })
  dimension: string;

  @Field(() => String, { nullable: true })
  equals?: string | null;

  @Field(() => [String], { nullable: true })
  in?: string[] | null;

  @Field(() => Float, { nullable: true })
  min?: number | null;

  @Field(() => Float, { nullable: true })
  max?: number | null;
}

@InputType({ description: 'Which rows a metric reads.' })
export class MetricFilterInput {
  @Field(() => [DimensionFilterInput], { nullable: true })
  where?: DimensionFilterInput[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Include test accounts and users.' })
  includeTest?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Include soft-deleted accounts and users.',
  })
  includeDeleted?: boolean | null;
}

@ArgsType()
export class MetricQueryArgs {
  @Field(() => WindowInput)
  window: WindowInput;

  @Field(() => GrainEnum, { nullable: true, description: 'Bucket size; none = one bucket.' })
  grain?: keyof typeof GrainEnum | null;

  @Field(() => [String], {
    nullable: true,
    description: "Dimensions to group by; each must be among the metric's dimensions.",
  })
  groupBy?: string[] | null;

  @Field(() => MetricFilterInput, { nullable: true })
  filter?: MetricFilterInput | null;

  @Field(() => MetricCompareEnum, { nullable: true })
  compare?: keyof typeof MetricCompareEnum | null;

  @Field(() => Boolean, { defaultValue: false, description: FRESH_DESCRIPTION })
  fresh: boolean;
}

@InputType({ description: 'A metric definition, in the same shape as a YAML catalog entry.' })
export class DefineMetricInput {
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The definition as an object.',
  })
  definition?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Or the definition as YAML text.' })
  yaml?: string | null;
}
