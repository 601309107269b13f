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
  @Field(() => ID, { description: "Harmony's stable id of the subscription." })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({ description: "The subscription's id in your billing system; the upsert key." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => ID, { description: 'Harmony id of the account it bills.' })
  @Column({ type: 'bigint' })
  accountId: string;

  @Column({ type: 'bigint', nullable: true })
  planId: string | null;

  @Field({ name: 'status', description: 'TRIALING, ACTIVE, PAST_DUE, CANCELED or PAUSED.' })
  @Column({ type: 'text' })
  statusCode: string;

  @Field(() => Int, { description: 'Seats (quantity) billed.', nullable: true })
  @Column({ type: 'integer', nullable: true })
  seats: number | null;

  /** Monthly amount in minor units (cents). */
  @Column({ type: 'bigint' })
  mrrMinor: string;

  @Field({ description: 'ISO 4217 code of mrr.' })
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Field({ description: 'When it came into force.' })
  @Column({ type: 'timestamptz' })
  startedAt: Date;

  @Field(() => Date, { description: 'End of the current billing period.', nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Field(() => Date, { description: 'When the cancellation was requested.', nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  canceledAt: Date | null;

  @Field(() => Date, {
    description: 'When it stopped being in force (exclusive); null while in force.',
    nullable: true,
  })
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
  @Field(() => ID, { description: 'Harmony id of the history row.' })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'bigint' })
  subscriptionId: string;

  @Column({ type: 'bigint' })
  accountId: string;

  @Column({ type: 'bigint', nullable: true })
  planId: string | null;

  @Field({
    description: 'Status from effectiveAt on: TRIALING, ACTIVE, PAST_DUE, CANCELED or PAUSED.',
    name: 'status',
  })
  @Column({ type: 'text' })
  statusCode: string;

  @Field(() => Int, { description: 'Seats billed from effectiveAt on.', nullable: true })
  @Column({ type: 'integer', nullable: true })
  seats: number | null;

  @Column({ type: 'bigint' })
  mrrMinor: string;

  @Field({ description: 'ISO 4217 code of mrr.' })
  @Column({ type: 'char', length: 3 })
  currency: string;

  @Field({ description: 'When the change took effect.' })
  @Column({ type: 'timestamptz' })
  effectiveAt: Date;

  @Field({ description: 'When Harmony learned of it.' })
  @Column({ type: 'timestamptz' })
  recordedAt: Date;

  @Field(() => Float, {
    description: 'Monthly amount billed from effectiveAt on, in the major unit.',
  })
  get mrr(): number {
    return minorToMajor(this.mrrMinor);
  }
}

@ObjectType({ description: 'A subscription status and whether it counts as revenue.' })
@Entity('subscription_statuses')
export class SubscriptionStatus {
  @Field({ description: 'The status code, e.g. PAST_DUE.' })
  @Column({ type: 'text', primary: true })
  code: string;

  @Field({ description: 'What the status means.' })
  @Column({ type: 'text' })
  description: string;

  @Field({ description: 'Whether a subscription in this status counts towards MRR.' })
  @Column({ type: 'boolean' })
  countsAsRevenue: boolean;
}
