import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A user in an account, with a role.' })
@Entity('memberships')
export class Membership {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field(() => ID)
  @Column({ type: 'bigint' })
  accountId: string;

  @Field(() => ID)
  @Column({ type: 'bigint' })
  userId: string;

  @Field({
    name: 'role',
    description: 'A code from membershipRoles: ADMINISTRATOR, MEMBER, BILLING, GUEST.',
  })
  @Column({ type: 'text' })
  roleCode: string;

  @Field()
  @Column({ type: 'timestamptz' })
  joinedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  leftAt: Date | null;

  @Column({ type: 'text' })
  source: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

@ObjectType({ description: 'A role a membership can have.' })
@Entity('membership_roles')
export class MembershipRole {
  @Field()
  @Column({ type: 'text', primary: true })
  code: string;

  @Field()
  @Column({ type: 'text' })
  description: string;
}
