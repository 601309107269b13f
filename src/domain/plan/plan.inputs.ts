import { Field, Float, InputType } from 'type-graphql';
import { z } from 'zod';
import { currencySchema, moneySchema } from '../../shared/money';
import { BillingInterval } from './plan.entity';

@InputType({ description: 'Creates the plan or updates it, keyed by code.' })
export class UpsertPlanInput {
  @Field({ description: "The plan's code, e.g. growth; the upsert key." })
  code: string;

  @Field(() => String, {
    description: 'Display name; a new plan defaults to its code.',
    nullable: true,
  })
  name?: string | null;

  @Field(() => BillingInterval, { nullable: true, description: 'Default MONTH for a new plan.' })
  interval?: BillingInterval | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Price per interval in the major unit (49.5 = $49.50).',
  })
  price?: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 code; default USD.' })
  currency?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether it counts towards MRR; default: price > 0.',
  })
  isPaid?: boolean | null;
}

export const upsertPlanSchema = z
  .object({
    code: z
      .string()
      .trim()
      .regex(
        /^[a-z0-9][a-z0-9_.-]{0,63}$/i,
        'expected letters, digits, "_", "-" or "." (at most 64)',
      ),
    name: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
    interval: z.nativeEnum(BillingInterval).nullish(),
    price: moneySchema.nullish(),
    currency: currencySchema.nullish(),
    isPaid: z.boolean().nullish(),
  })
  .transform(({ price, ...plan }) => ({
    ...plan,
    ...(price != null ? { priceMinor: price } : {}),
    ...(plan.isPaid == null && price != null ? { isPaid: price !== '0' } : {}),
  }));
