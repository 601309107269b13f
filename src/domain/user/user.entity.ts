import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A person using the product; may belong to several accounts.' })
@Entity('users')
export class User extends TimestampedEntity {
  @Field(() => ID, { description: "Harmony's stable id of the user." })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({ description: "The user's id in your app (Segment's userId)." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => String, {
    description: 'Email address, from upsertUser or the email trait of an identify call.',
    nullable: true,
  })
  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Field(() => String, { description: 'Full name.', nullable: true })
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Field(() => GraphQLJSON, {
    description: 'Free-form attributes from upsertUser and Segment identify calls, merged.',
  })
  @Column({ type: 'jsonb', default: {} })
  traits: Record<string, unknown>;

  @Field({ description: 'Test and dummy users are kept out of metrics.' })
  @Column({ type: 'boolean', default: false })
  isTest: boolean;

  @Field(() => Date, { nullable: true, description: "Time of the user's latest event." })
  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;
}
