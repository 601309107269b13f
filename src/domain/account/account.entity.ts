import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A customer company.' })
@Entity('accounts')
export class Account extends TimestampedEntity {
  @Field(() => ID, { description: "Harmony's stable id of the account." })
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'accounts_pkey' })
  id: string;

  @Field({ description: "The account's id in your app or CRM." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => String, { description: "The company's name.", nullable: true })
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Field(() => String, {
    description: "The company's web domain, lower case (e.g. acme.com).",
    nullable: true,
  })
  @Column({ type: 'text', nullable: true })
  domain: string | null;

  @Field(() => String, {
    description: 'Industry, free text (the industry dimension of metrics).',
    nullable: true,
  })
  @Column({ type: 'text', nullable: true })
  industry: string | null;

  @Field(() => Int, {
    description: 'Number of employees (the employee_count_band dimension of metrics).',
    nullable: true,
  })
  @Column({ type: 'integer', nullable: true })
  employeeCount: number | null;

  @Field(() => GraphQLJSON, {
    description: 'Free-form attributes from upsertAccount and Segment group calls, merged.',
  })
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
