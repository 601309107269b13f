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
  @Field(() => Date, { description: 'Start of an absolute window (inclusive).', nullable: true })
  from?: Date | null;

  @Field(() => Date, { description: 'End of an absolute window (exclusive).', nullable: true })
  to?: Date | null;

  @Field(() => RelativeWindowEnum, {
    description: 'A window relative to now, in timezone; instead of from/to.',
    nullable: true,
  })
  relative?: keyof typeof RelativeWindowEnum | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone name. Default UTC.' })
  timezone?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Only periods complete at query time (default false): LAST_n_DAYS become the n days before today, ' +
      'LAST_12_MONTHS the 12 months before this one, _TO_DATE and absolute windows end at the start of today, ' +
      'and with a grain the end moves back to the start of the current bucket. A window left empty ' +
      '(MONTH_TO_DATE on the 1st) is an INVALID_WINDOW error.',
  })
  completeOnly?: boolean | null;
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

  @Field(() => String, {
    description: 'Keep rows whose value is this one (account: an externalId).',
    nullable: true,
  })
  equals?: string | null;

  @Field(() => [String], {
    description: 'Keep rows whose value is one of these (account: externalIds).',
    nullable: true,
  })
  in?: string[] | null;

  @Field(() => Float, {
    description: 'employee_count only: inclusive lower bound.',
    nullable: true,
  })
  min?: number | null;

  @Field(() => Float, {
    description: 'employee_count only: inclusive upper bound.',
    nullable: true,
  })
  max?: number | null;
}

@InputType({ description: 'Which rows a metric reads.' })
export class MetricFilterInput {
  @Field(() => [DimensionFilterInput], {
    description: 'Dimension filters, all of which must hold.',
    nullable: true,
  })
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
  @Field(() => WindowInput, { description: 'The window to evaluate over.' })
  window: WindowInput;

  @Field(() => GrainEnum, { nullable: true, description: 'Bucket size; none = one bucket.' })
  grain?: keyof typeof GrainEnum | null;

  @Field(() => [String], {
    nullable: true,
    description: "Dimensions to group by; each must be among the metric's dimensions.",
  })
  groupBy?: string[] | null;

  @Field(() => MetricFilterInput, {
    description: 'Which rows the metric reads: dimension filters, test and deleted data.',
    nullable: true,
  })
  filter?: MetricFilterInput | null;

  @Field(() => MetricCompareEnum, {
    description: 'Also evaluate the previous period or the same period a year earlier.',
    nullable: true,
  })
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
