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
import { ConnectionType } from '../../domain/shared/connection';

export enum PlanEntryKindEnum {
  TARGET = 'target',
  ACTUAL = 'actual',
}
registerEnumType(PlanEntryKindEnum, {
  name: 'PlanEntryKind',
  description: 'What a row of the plan holds.',
  valuesConfig: {
    TARGET: { description: 'A plan target for a metric of the catalog (month or quarter).' },
    ACTUAL: {
      description:
        'A monthly financial actual Harmony has no other source for (operating_expenses, cash_balance), read by metrics of type actuals.',
    },
  },
});

@InputType({ description: 'One row of the business plan.' })
export class PlanEntryInput {
  @Field(() => PlanEntryKindEnum, {
    defaultValue: PlanEntryKindEnum.TARGET,
    description: 'Default TARGET.',
  })
  kind: PlanEntryKindEnum;

  @Field({
    description:
      'A metric name of the catalog for a target; a series name (e.g. operating_expenses, cash_balance) for an actual.',
  })
  metric: string;

  @Field({ description: 'A month (2026-01) or, for targets, a quarter (2026-Q1).' })
  period: string;

  @Field(() => Float, { description: 'The value, in the metric unit (money in the major unit).' })
  value: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Targets only: the plan code or segment name the target is for; none for the whole business.',
  })
  dimension?: string | null;
}

@ObjectType({ description: 'One change of a plan row.' })
export class PlanEntryVersionType {
  @Field(() => Int, { description: '1 for the first value, then one more per change.' })
  version: number;

  @Field(() => Float, { description: 'The value from this version on.' })
  value: number;

  @Field(() => Float, { nullable: true, description: 'The value it replaced; null for the first.' })
  previousValue: number | null;

  @Field({ description: 'When the change was written.' })
  changedAt: Date;

  @Field({ description: 'Who wrote it: an API key name or the import command.' })
  changedBy: string;

  @Field({ description: 'Why, as given with the change.' })
  reason: string;

  @Field({ description: 'api (upsertTargets) or import (npm run targets:import).' })
  source: string;
}

@ObjectType('PlanEntry', { description: 'A target or monthly actual of the business plan.' })
export class PlanEntryType {
  @Field(() => ID, { description: 'Stable id.' })
  id: string;

  @Field(() => PlanEntryKindEnum, { description: 'Target or actual.' })
  kind: string;

  @Field({ description: 'The metric (targets) or series (actuals) it is for.' })
  metric: string;

  @Field({ description: 'The month (2026-01) or quarter (2026-Q1).' })
  period: string;

  @Field(() => String, {
    nullable: true,
    description: 'Plan code or segment name; null for the whole business.',
  })
  dimension: string | null;

  @Field(() => Float, { description: 'The current value.' })
  value: number;

  @Field(() => Int, { description: 'Current version; see versions.' })
  version: number;

  @Field({ description: 'When the value last changed.' })
  updatedAt: Date;

  @Field({ description: 'Who changed it last.' })
  updatedBy: string;

  @Field({ description: 'Why it changed last.' })
  reason: string;
}

export const PlanEntryConnection = ConnectionType(PlanEntryType, 'PlanEntry');

@ArgsType()
export class PlanEntriesArgs {
  @Field(() => String, { nullable: true, description: 'Only rows for this metric or series.' })
  metric?: string | null;

  @Field(() => PlanEntryKindEnum, { nullable: true, description: 'Only targets or only actuals.' })
  kind?: PlanEntryKindEnum | null;

  @Field(() => Int, { defaultValue: 100, description: 'Page size, 1 to 1000.' })
  first: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}
