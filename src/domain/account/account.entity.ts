import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A customer company.' })
@Entity('accounts')
export class Account extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'accounts_pkey' })
  id: string;

  @Field({ description: "The account's id in your app or CRM." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  domain: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  industry: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'integer', nullable: true })
  employeeCount: number | null;

  @Field(() => GraphQLJSON)
  @Column({ type: 'jsonb', default: {} })
  traits: Record<string, unknown>;

  @Field({ description: 'Test and dummy accounts are kept out of metrics.' })
  @Column({ type: 'boolean', default: false })
  isTest: boolean;

  @Field(() => Date, {
    nullable: true,
    description: 'Time of the latest event of any user in the account.',
  })
  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;
}
