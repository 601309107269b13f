import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A person using the product; may belong to several accounts.' })
@Entity('users')
export class User extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({ description: "The user's id in your app (Segment's userId)." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Field(() => GraphQLJSON)
  @Column({ type: 'jsonb', default: {} })
  traits: Record<string, unknown>;

  @Field()
  @Column({ type: 'boolean', default: false })
  isTest: boolean;

  @Field(() => Date, { nullable: true, description: "Time of the user's latest event." })
  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;
}
