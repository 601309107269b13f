import { GraphQLScalarType } from 'graphql';
import { GraphQLJSON as AnyJSON } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Account } from '../../domain/account/account.entity';
import { Plan } from '../../domain/plan/plan.entity';
import { ConnectionType } from '../../domain/shared/connection';
import { GraphQLJSON } from '../../domain/shared/scalars';

/** Any JSON value (a number, a string, a list, null): the old and new value of a field. */
export const GraphQLJSONValue = new GraphQLScalarType({
  ...AnyJSON.toConfig(),
  name: 'JSONValue',
  description: 'Any JSON value: a number, string, boolean, list, object or null.',
});

export enum ChangeCauseEnum {
  CREATED = 'CREATED',
  UPSERT = 'UPSERT',
  EVENTS = 'EVENTS',
  SEGMENT = 'SEGMENT',
  THRESHOLD = 'THRESHOLD',
  DAILY_SLIDE = 'DAILY_SLIDE',
}

const CAUSE_DESCRIPTIONS: Record<ChangeCauseEnum, string> = {
  CREATED: 'The view was computed for the first time (a new account, or the first refresh).',
  UPSERT: 'An upsert or delete of the account, a user, a membership, a subscription or a plan.',
  EVENTS: 'Events ingested for the account.',
  SEGMENT: 'A segment definition was added or changed, and every account re-evaluated.',
  THRESHOLD: 'A threshold re-evaluation.',
  DAILY_SLIDE: 'The daily re-evaluation: a sliding window or a tenure moved with time alone.',
};

registerEnumType(ChangeCauseEnum, {
  name: 'ChangeCause',
  description: 'What caused a recorded change.',
  valuesConfig: Object.fromEntries(
    Object.entries(CAUSE_DESCRIPTIONS).map(([k, description]) => [k, { description }]),
  ),
});

@ObjectType({
  description:
    'The CRM sync view of an account, maintained as writes and events arrive; `changeSeq` moves whenever a field changes.',
})
export class AccountView {
  accountId: string;
  planCode: string | null;

  @Field(() => Account, { description: 'The account (deleted accounts too: see isDeleted).' })
  account: Account;

  @Field(() => Plan, { nullable: true, description: 'Current plan, by the rule of Account.plan.' })
  plan: Plan | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'MRR now in the major unit of `currency` (as Account.mrr); null when the account pays in several currencies.',
  })
  mrr: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'ISO 4217 currency of mrr; null while paying nothing.',
  })
  currency: string | null;

  @Field(() => Int, {
    description: 'Seats of the subscriptions in force now (any status but CANCELED), summed.',
  })
  seats: number;

  @Field(() => Int, {
    description:
      'Distinct active users over LAST_30_DAYS, as Account.metric(name: "active_users") counts them; re-evaluated at least daily.',
  })
  activeUsers30d: number;

  @Field(() => Date, { nullable: true, description: 'Latest event time of the account.' })
  lastSeenAt: Date | null;

  @Field(() => Float, { nullable: true, description: 'Health score 0–100; null until computed.' })
  healthScore: number | null;

  @Field(() => Float, { nullable: true, description: 'PQL score 0–100; null until computed.' })
  pqlScore: number | null;

  @Field(() => [String], { description: 'Names of the segments the account is in, sorted.' })
  segments: string[];

  @Field(() => Float, {
    nullable: true,
    description:
      'What the account has spent so far: the sum over each UTC month whose first day has passed of its MRR on that day (major unit); null with several currencies.',
  })
  lifetimeRevenue: number | null;

  @Field({ description: 'The account is flagged isTest.' })
  isTest: boolean;

  @Field({ description: 'The account is soft-deleted.' })
  isDeleted: boolean;

  @Field({ description: 'When a field of the view last changed.' })
  updatedAt: Date;

  @Field({
    description:
      'The change-feed sequence number of its latest change: the cursor of accountViews. Commit-ordered and never reused.',
  })
  changeSeq: string;
}

@ObjectType({ description: 'One field of a view that changed.' })
export class FieldChangeType {
  @Field({ description: 'The AccountView field name, e.g. "mrr".' })
  field: string;

  @Field(() => GraphQLJSONValue, { nullable: true, description: 'Value before; null if none.' })
  old: unknown;

  @Field(() => GraphQLJSONValue, { nullable: true, description: 'Value after.' })
  new: unknown;
}

@ObjectType({ description: 'A recorded change of an account view.' })
export class AccountViewChange {
  accountId: string;

  @Field({ description: 'The change-feed cursor of this change (a decimal number).' })
  seq: string;

  @Field(() => Account, { nullable: true, description: 'The account whose view changed.' })
  account: Account | null;

  @Field(() => ChangeCauseEnum, { description: 'What caused it.' })
  cause: ChangeCauseEnum;

  @Field(() => [FieldChangeType], { description: 'Each field that changed, with old and new.' })
  changes: FieldChangeType[];

  @Field({ description: 'When the change was recorded.' })
  recordedAt: Date;
}

@ObjectType({ description: "An account's entry into or exit from a segment." })
export class SegmentMembershipChange {
  accountId: string;

  @Field({ description: 'The change-feed cursor of this change (a decimal number).' })
  seq: string;

  @Field({ description: 'The segment name.' })
  segment: string;

  @Field(() => Account, { nullable: true, description: 'The account.' })
  account: Account | null;

  @Field({ description: 'True for an entry, false for an exit.' })
  entered: boolean;

  @Field(() => ChangeCauseEnum, { description: 'What caused it.' })
  cause: ChangeCauseEnum;

  @Field({ description: 'When it was recorded.' })
  recordedAt: Date;
}

@ObjectType({ description: 'One version of a segment definition.' })
export class SegmentVersionType {
  @Field(() => Int, { description: 'Version number, from 1.' })
  version: number;

  @Field({ description: 'When this version was recorded.' })
  changedAt: Date;

  @Field({ description: 'Who recorded it (API key name, or the sync that loaded the YAML).' })
  changedBy: string;

  @Field({ description: 'Why.' })
  reason: string;

  @Field(() => GraphQLJSON, { description: 'The definition of this version.' })
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'A named audience of accounts defined by a rule, materialised.' })
export class SegmentType {
  @Field({ description: 'Unique name (snake_case).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Display label.' })
  label: string | null;

  @Field(() => String, { nullable: true, description: 'What the segment means.' })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'Who owns the definition.' })
  owner: string | null;

  @Field(() => GraphQLJSON, { description: 'The current definition (name, rule, …).' })
  definition: Record<string, unknown>;

  @Field(() => Int, { description: 'Current version.' })
  version: number;

  @Field({ description: 'When the current version was recorded.' })
  updatedAt: Date;
}

@InputType({ description: 'A segment definition: exactly one of definition or yaml.' })
export class DefineSegmentInput {
  @Field(() => GraphQLJSON, { nullable: true, description: 'The definition as an object.' })
  definition?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Or the definition as YAML text.' })
  yaml?: string | null;
}

export const AccountViewConnection = ConnectionType(AccountView, 'AccountView');
export const AccountViewChangeConnection = ConnectionType(AccountViewChange, 'AccountViewChange');
export const SegmentMembershipChangeConnection = ConnectionType(
  SegmentMembershipChange,
  'SegmentMembershipChange',
);
