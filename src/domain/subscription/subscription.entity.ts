import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../shared/columns';
import { minorToMajor } from '../../shared/money';

@ObjectType('BillingSubscription', {
  description:
    "An account's billing subscription to a plan (named BillingSubscription so that the GraphQL root type Subscription stays free for live updates).",
})
@Entity('subscriptions')
export class Subscription extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field()
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => ID)
  @Column({ type: 'bigint' })
  accountId: string;

  @Column({ type: 'bigint', nullable: true })
  planId: string | null;

  @Field({ name: 'status', description: 'TRIALING, ACTIVE, PAST_DUE, CANCELED or PAUSED.' })
  @Column({ type: 'text' })
  statusCode: string;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'integer', nullable: true })
  seats: number | null;

  /** Monthly amount in minor units (cents). */
  @Column({ type: 'bigint' })
  mrrMinor: string;

  @Field()
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Field()
  @Column({ type: 'timestamptz' })
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  canceledAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Field(() => Float, { description: 'Monthly amount in the currency major unit, as billed.' })
  get mrr(): number {
    return minorToMajor(this.mrrMinor);
  }
}

@ObjectType({ description: 'What a subscription billed from a point in time on.' })
@Entity('subscription_history')
export class SubscriptionHistoryEntry {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'bigint' })
  subscriptionId: string;

  @Column({ type: 'bigint' })
  accountId: string;

  @Column({ type: 'bigint', nullable: true })
  planId: string | null;

  @Field({ name: 'status' })
  @Column({ type: 'text' })
  statusCode: string;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'integer', nullable: true })
  seats: number | null;

  @Column({ type: 'bigint' })
  mrrMinor: string;

  @Field()
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Field({ description: 'When the change took effect.' })
  @Column({ type: 'timestamptz' })
  effectiveAt: Date;

  @Field({ description: 'When Harmony learned of it.' })
  @Column({ type: 'timestamptz' })
  recordedAt: Date;

  @Field(() => Float)
  get mrr(): number {
    return minorToMajor(this.mrrMinor);
  }
}

@ObjectType({ description: 'A subscription status and whether it counts as revenue.' })
@Entity('subscription_statuses')
export class SubscriptionStatus {
  @Field()
  @Column({ type: 'text', primary: true })
  code: string;

  @Field()
  @Column({ type: 'text' })
  description: string;

  @Field()
  @Column({ type: 'boolean' })
  countsAsRevenue: boolean;
}
