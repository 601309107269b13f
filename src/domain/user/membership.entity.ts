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
  @Field(() => ID, { description: "Harmony's id of the membership." })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Field(() => ID, { description: 'Harmony id of the account.' })
  @Column({ type: 'bigint' })
  accountId: string;

  @Field(() => ID, { description: 'Harmony id of the user.' })
  @Column({ type: 'bigint' })
  userId: string;

  @Field({
    name: 'role',
    description: 'A code from membershipRoles: ADMINISTRATOR, MEMBER, BILLING, GUEST.',
  })
  @Column({ type: 'text' })
  roleCode: string;

  @Field({ description: 'When the user joined the account.' })
  @Column({ type: 'timestamptz' })
  joinedAt: Date;

  @Field(() => Date, {
    description: 'When the user left the account; null while a member.',
    nullable: true,
  })
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
  @Field({ description: "The role's code, e.g. ADMINISTRATOR." })
  @Column({ type: 'text', primary: true })
  code: string;

  @Field({ description: 'What the role may do.' })
  @Column({ type: 'text' })
  description: string;
}
