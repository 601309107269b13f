import { ArgsType, Field, Float, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { currencySchema, moneySchema } from '../../shared/money';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({
  description:
    'Creates or updates a subscription keyed by externalId. Every change of status, plan, seats or amount is ' +
    'recorded in its history at effectiveAt (default: now); a backfill with past startedAt/endedAt is recorded ' +
    'in force over [startedAt, endedAt).',
})
export class UpsertSubscriptionInput {
  @Field()
  externalId: string;

  @Field()
  accountExternalId: string;

  @Field(() => String, { nullable: true, description: 'Code of a plan from `plans`.' })
  planCode?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'TRIALING, ACTIVE (default), PAST_DUE, CANCELED or PAUSED.',
  })
  status?: string | null;

  @Field(() => Float, {
    description: 'Monthly amount in the major unit (49.5 = $49.50); annual plans give a twelfth.',
  })
  mrr: number;

  @Field(() => String, { nullable: true, description: 'ISO 4217 code; default USD.' })
  currency?: string | null;

  @Field(() => Int, { nullable: true })
  seats?: number | null;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it stopped being in force (exclusive).' })
  endedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the cancellation was requested.' })
  canceledAt?: Date | null;

  @Field(() => Date, { nullable: true })
  currentPeriodEnd?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When this change took effect; default now.' })
  effectiveAt?: Date | null;
}

export const upsertSubscriptionSchema = z
  .object({
    externalId: externalIdSchema,
    accountExternalId: externalIdSchema,
    planCode: z.string().trim().min(1).nullish(),
    status: z.string().trim().toUpperCase().nullish(),
    mrr: moneySchema,
    currency: currencySchema.nullish(),
    seats: z.number().int().min(0, 'must not be negative').nullish(),
    startedAt: z.date(),
    endedAt: z.date().nullish(),
    canceledAt: z.date().nullish(),
    currentPeriodEnd: z.date().nullish(),
    effectiveAt: z.date().nullish(),
  })
  .refine((input) => !input.endedAt || input.endedAt >= input.startedAt, {
    path: ['endedAt'],
    message: 'must not be before startedAt',
  })
  .refine((input) => !input.effectiveAt || input.effectiveAt >= input.startedAt, {
    path: ['effectiveAt'],
    message: 'must not be before startedAt',
  });

export type ValidSubscriptionInput = z.output<typeof upsertSubscriptionSchema>;

@ArgsType()
export class SubscriptionsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the subscriptions of this account.' })
  accountExternalId?: string | null;

  @Field(() => [String], { nullable: true })
  status?: string[] | null;

  @Field(() => [String], { nullable: true })
  planCode?: string[] | null;

  @Field(() => Boolean, { defaultValue: false })
  includeDeleted: boolean;

  @Field(() => Date, { nullable: true })
  updatedSince?: Date | null;
}
