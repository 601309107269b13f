import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A group of users inside an account.' })
@Entity('teams')
export class Team extends TimestampedEntity {
  @Field(() => ID, { description: "Harmony's stable id of the team." })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({ description: "The team's id in your app; the upsert key." })
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => ID, { description: 'Harmony id of the account the team belongs to.' })
  @Column({ type: 'bigint' })
  accountId: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;
}
