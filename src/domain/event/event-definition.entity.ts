import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';

@ObjectType({
  description:
    'A kind of product event. Metrics reference its stable id, so renaming its key never breaks ' +
    'them; events sent under any earlier key keep landing on it.',
})
@Entity('event_definitions')
export class EventDefinition {
  @Field(() => ID, { description: 'Stable id; never changes.' })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field({ description: 'The current event name, e.g. "Signed In".' })
  @Column({ type: 'text', unique: true })
  key: string;

  @Field({ description: 'Name to show people; defaults to the key.' })
  @Column({ type: 'text' })
  displayName: string;

  @Field(() => String, { description: 'What the event means, from defineEvent.', nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'Free grouping, e.g. "engagement".' })
  @Column({ type: 'text', nullable: true })
  category: string | null;

  @Field({ description: 'ingest (created by the first event with this name) or api.' })
  @Column({ type: 'text', default: 'ingest' })
  source: string;

  @Field({ description: 'When the definition was created (its first event, or defineEvent).' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When the definition last changed.' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

@ObjectType({ description: 'One recorded change of an event definition: who, when, why.' })
@Entity('event_definition_changes')
export class EventDefinitionChange {
  @Field(() => ID, { description: 'Harmony id of the change.' })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field(() => ID, { description: 'Id of the event definition changed.' })
  @Column({ type: 'bigint' })
  definitionId: string;

  @Field({ description: 'create, update or rename.' })
  @Column({ type: 'text' })
  change: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The fields before the change.' })
  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { description: 'The fields after the change.' })
  @Column({ type: 'jsonb' })
  after: Record<string, unknown>;

  @Field({ description: 'Name of the API key that made the change.' })
  @Column({ type: 'text' })
  changedBy: string;

  @Field(() => String, { description: 'Why, as given by whoever made the change.', nullable: true })
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Field({ description: 'When the change was made.' })
  @Column({ type: 'timestamptz' })
  changedAt: Date;
}
