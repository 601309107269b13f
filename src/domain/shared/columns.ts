import { Column, CreateDateColumn, DeleteDateColumn, UpdateDateColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';

/** Where a row came from. */
export type RowSource = 'ingest' | 'api' | 'import' | 'migration' | 'demo';

/** Columns every entity carries; the database, not the ORM, keeps the times current. */
@ObjectType()
export abstract class TimestampedEntity {
  @Field({ description: 'Where the row came from: ingest, api, import, migration or demo.' })
  @Column({ type: 'text', default: 'api' })
  source: RowSource;

  @Field({ description: 'When Harmony first stored the row.' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When any field of the row last changed.' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Date, { nullable: true, description: 'Set when the row was soft-deleted.' })
  @DeleteDateColumn({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
