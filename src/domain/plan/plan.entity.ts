import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { TimestampedEntity } from '../shared/columns';
import { minorToMajor } from '../../shared/money';

export enum BillingInterval {
  MONTH = 'MONTH',
  YEAR = 'YEAR',
}
registerEnumType(BillingInterval, {
  name: 'BillingInterval',
  description: 'How often a plan is billed.',
  valuesConfig: {
    MONTH: { description: 'Billed every month; MRR is the price.' },
    YEAR: { description: 'Billed every year; MRR is a twelfth of the price.' },
  },
});

@ObjectType({ description: 'A price plan; subscriptions point at one.' })
@Entity('plans')
export class Plan extends TimestampedEntity {
  @Field(() => ID, { description: "Harmony's stable id of the plan." })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({
    description: "The plan's code, e.g. growth; the upsert key and the plan dimension's value.",
  })
  @Column({ type: 'text', unique: true })
  code: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => BillingInterval, { description: 'How often the price is billed.' })
  @Column({ type: 'text' })
  interval: BillingInterval;

  /** Price per interval in minor units (cents). */
  @Column({ type: 'bigint' })
  priceMinor: string;

  @Field({ description: 'ISO 4217 code of the price.' })
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Field({ description: 'Whether subscriptions on this plan count towards MRR.' })
  @Column({ type: 'boolean' })
  isPaid: boolean;

  @Field(() => Float, {
    description: 'Price per interval in the currency major unit (49.5 = $49.50).',
  })
  get price(): number {
    return minorToMajor(this.priceMinor);
  }
}
