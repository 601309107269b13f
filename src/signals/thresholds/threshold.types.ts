import {
  ArgsType,
  Field,
  Float,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { GraphQLJSON } from '../../domain/shared/scalars';
import { RelativeWindowEnum } from '../../metrics/graphql/metric.types';

export enum ThresholdDirection {
  ABOVE = 'ABOVE',
  BELOW = 'BELOW',
}
registerEnumType(ThresholdDirection, {
  name: 'ThresholdDirection',
  description: 'Which side of the levels is inside the threshold.',
  valuesConfig: {
    ABOVE: { description: 'Enter at value >= enter; leave when value < exit (exit <= enter).' },
    BELOW: { description: 'Enter at value <= enter; leave when value >= exit (exit >= enter).' },
  },
});

@InputType({
  description: 'A threshold definition, in the same shape as a schema/thresholds/*.yml entry.',
})
export class DefineThresholdInput {
  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'The definition as an object: name, label, description, metric or score, window, direction, enter, exit, accounts (all | paying).',
  })
  definition?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Or the definition as YAML text.' })
  yaml?: string | null;
}

@ObjectType({ description: 'One version of a threshold definition.' })
export class ThresholdVersionType {
  @Field(() => Int, { description: 'Version number, from 1.' })
  version: number;

  @Field({ description: 'When it was recorded.' })
  changedAt: Date;

  @Field({ description: 'Who: an API key name, or the YAML sync.' })
  changedBy: string;

  @Field({ description: 'Why, as given with the change.' })
  reason: string;

  @Field(() => GraphQLJSON, { description: 'The definition of this version.' })
  definition: Record<string, unknown>;
}

@ObjectType('Threshold', { description: 'A threshold with hysteresis, evaluated per account.' })
export class ThresholdType {
  @Field({ description: 'Stable name (snake_case).' })
  name: string;

  @Field({ description: 'Display name.' })
  label: string;

  @Field({ description: 'What it means for an account to be inside.' })
  description: string;

  @Field(() => String, {
    nullable: true,
    description: 'The metric watched, per account; null for a score.',
  })
  metric: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The score watched (pql); null for a metric.',
  })
  score: string | null;

  @Field(() => RelativeWindowEnum, {
    description: 'The per-account window the metric is read over.',
  })
  window: string;

  @Field(() => ThresholdDirection, { description: 'ABOVE or BELOW.' })
  direction: ThresholdDirection;

  @Field(() => Float, { description: 'The level that brings an account in.' })
  enter: number;

  @Field(() => Float, { description: 'The level that takes it out again.' })
  exit: number;

  @Field({ description: 'all (not test, not deleted) or paying (MRR > 0 now).' })
  accounts: string;

  @Field(() => Int, { description: 'Current version.' })
  version: number;

  @Field({ description: 'When the current version was recorded.' })
  updatedAt: Date;
}

@ObjectType({
  description: 'An account entering or leaving a threshold, with the value that caused it.',
})
export class ThresholdCrossingType {
  @Field({ description: 'Change-feed sequence number: pass it as `after` to read what came next.' })
  cursor: string;

  @Field({ description: 'The threshold crossed.' })
  threshold: string;

  @Field(() => ID, { description: 'The account that crossed.' })
  accountId: string;

  @Field({ description: 'true: entered; false: left.' })
  entered: boolean;

  @Field(() => Float, { description: 'The value that caused the crossing.' })
  value: number;

  @Field(() => Float, {
    nullable: true,
    description: 'The value at the evaluation before; null at the first.',
  })
  previousValue: number | null;

  @Field({
    description:
      'What triggered the evaluation: UPSERT, EVENTS, DAILY_SLIDE, DEFINITION, THRESHOLD.',
  })
  cause: string;

  @Field({ description: 'When it was recorded.' })
  occurredAt: Date;
}

@ObjectType({ description: 'Crossings of one threshold in commit order.' })
export class ThresholdCrossingPage {
  @Field(() => [ThresholdCrossingType], { description: 'Oldest first.' })
  crossings: ThresholdCrossingType[];

  @Field({
    description: 'Pass as `after` for the next page (the last cursor read, or the one given).',
  })
  endCursor: string;

  @Field({ description: 'Whether more crossings were already recorded after this page.' })
  hasNextPage: boolean;
}

@ObjectType({ description: "An account's current state for one threshold." })
export class AccountThresholdState {
  @Field({ description: 'The threshold.' })
  threshold: string;

  @Field({ description: 'Whether the account is inside it now.' })
  active: boolean;

  @Field(() => Float, { description: 'The value at the last evaluation that changed something.' })
  value: number;

  @Field({ description: 'Since when the account has been in this state.' })
  since: Date;

  @Field({ description: 'When the value was last written.' })
  evaluatedAt: Date;
}

@ObjectType({
  description: "An account's signals: where it stands for each threshold and its recent crossings.",
})
export class AccountSignals {
  /** Resolved by AccountSignalsResolver. */
  accountId: string;
}

@ArgsType()
export class ThresholdCrossingsArgs {
  @Field({ description: 'The threshold name.' })
  threshold: string;

  @Field(() => String, {
    nullable: true,
    description: 'A cursor from an earlier page; none for the start.',
  })
  after?: string | null;

  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to 1000.' })
  first: number;
}
