import { ArgsType, Field, Float, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { currencySchema, moneySchema } from '../../shared/money';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({
  description:
    'Creates or updates a subscription keyed by externalId. A new subscription needs accountExternalId, mrr and ' +
    'startedAt; for an existing one every field but externalId is optional, and a field left out keeps its value ' +
    '(null clears endedAt, canceledAt, currentPeriodEnd, planCode and seats). Every change of status, plan, seats or amount is ' +
    'recorded in its history at effectiveAt (default: now); a backfill with past startedAt/endedAt is recorded ' +
    'in force over [startedAt, endedAt).',
})
export class UpsertSubscriptionInput {
  @Field({ description: "The subscription's id in your billing system; the upsert key." })
  externalId: string;

  @Field(() => String, {
    nullable: true,
    description:
      'externalId of the account it bills. Required for a new subscription; an existing one cannot move to another account.',
  })
  accountExternalId?: string | null;

  @Field(() => String, { nullable: true, description: 'Code of a plan from `plans`.' })
  planCode?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'TRIALING, ACTIVE, PAST_DUE, CANCELED or PAUSED. A new subscription defaults to ACTIVE; an existing one keeps its ' +
      'status. CANCELED without endedAt ends it at canceledAt (or effectiveAt); another status given without endedAt ' +
      'reopens an ended subscription.',
  })
  status?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Monthly amount in the major unit (49.5 = $49.50); annual plans give a twelfth. Required for a new subscription.',
  })
  mrr?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'ISO 4217 code; a new subscription defaults to USD, an existing one keeps its own.',
  })
  currency?: string | null;

  @Field(() => Int, { nullable: true, description: 'Seats (quantity) billed; null clears.' })
  seats?: number | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When it came into force. Required for a new subscription.',
  })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it stopped being in force (exclusive).' })
  endedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the cancellation was requested.' })
  canceledAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of the current billing period.' })
  currentPeriodEnd?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When this change took effect; default now.' })
  effectiveAt?: Date | null;
}

export const upsertSubscriptionSchema = z
  .object({
    externalId: externalIdSchema,
    accountExternalId: externalIdSchema.optional(),
    planCode: z.string().trim().min(1).nullish(),
    status: z.string().trim().toUpperCase().optional(),
    mrr: moneySchema.optional(),
    currency: currencySchema.nullish(),
    seats: z.number().int().min(0, 'must not be negative').nullish(),
    startedAt: z.date().optional(),
    endedAt: z.date().nullish(),
    canceledAt: z.date().nullish(),
    currentPeriodEnd: z.date().nullish(),
    effectiveAt: z.date().nullish(),
  })
  .refine((input) => !input.endedAt || !input.startedAt || input.endedAt >= input.startedAt, {
    path: ['endedAt'],
    message: 'must not be before startedAt',
  })
  .refine(
    (input) => !input.effectiveAt || !input.startedAt || input.effectiveAt >= input.startedAt,
    { path: ['effectiveAt'], message: 'must not be before startedAt' },
  );

/** Fields that may be left out but never cleared: null would not say which value to keep. */
export const NOT_NULLABLE_SUBSCRIPTION_FIELDS = [
  'accountExternalId',
  'status',
  'mrr',
  'startedAt',
] as const;

/** What a subscription that does not exist yet must be given. */
export const NEW_SUBSCRIPTION_REQUIRES = ['accountExternalId', 'mrr', 'startedAt'] as const;

export type ValidSubscriptionInput = z.output<typeof upsertSubscriptionSchema>;

@ArgsType()
export class SubscriptionsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the subscriptions of this account.' })
  accountExternalId?: string | null;

  @Field(() => [String], {
    description: 'Only subscriptions in these statuses, e.g. [ACTIVE, PAST_DUE].',
    nullable: true,
  })
  status?: string[] | null;

  @Field(() => [String], { description: 'Only subscriptions on these plans.', nullable: true })
  planCode?: string[] | null;

  @Field(() => Boolean, { description: 'Include soft-deleted subscriptions.', defaultValue: false })
  includeDeleted: boolean;

  @Field(() => Date, {
    description: 'Only subscriptions changed at or after this time.',
    nullable: true,
  })
  updatedSince?: Date | null;
}
