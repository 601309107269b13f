import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../shared/columns';

@ObjectType({ description: 'A group of users inside an account.' })
@Entity('teams')
export class Team extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field()
  @Column({ type: 'text', unique: true })
  externalId: string;

  @Field(() => ID)
  @Column({ type: 'bigint' })
  accountId: string;

  @Field()
  @Column({ type: 'text' })
  name: string;
}
