import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { TimestampedEntity } from '../shared/columns';
import { minorToMajor } from '../../shared/money';

export enum BillingInterval {
  MONTH = 'MONTH',
  YEAR = 'YEAR',
}
registerEnumType(BillingInterval, { name: 'BillingInterval' });

@ObjectType({ description: 'A price plan; subscriptions point at one.' })
@Entity('plans')
export class Plan extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field()
  @Column({ type: 'text', unique: true })
  code: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => BillingInterval)
  @Column({ type: 'text' })
  interval: BillingInterval;

  /** Price per interval in minor units (cents). */
  @Column({ type: 'bigint' })
  priceMinor: string;

  @Field()
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
