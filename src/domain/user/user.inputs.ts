import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { z } from 'zod';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({ description: 'Creates the user or updates it; fields left out keep their value.' })
export class UpsertUserInput {
  @Field({ description: "The user's id in your app (Segment's userId); the upsert key." })
  externalId: string;

  @Field(() => String, { description: 'Email address; null clears it.', nullable: true })
  email?: string | null;

  @Field(() => String, { description: 'Full name; null clears it.', nullable: true })
  name?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Merged into the stored traits.' })
  traits?: Record<string, unknown> | null;

  @Field(() => Boolean, {
    description: 'Keep the user out of metrics (test or dummy data).',
    nullable: true,
  })
  isTest?: boolean | null;
}

export const upsertUserSchema = z.object({
  externalId: externalIdSchema,
  email: z
    .string()
    .trim()
    .email('expected an email address such as "ada@example.com"')
    .max(320)
    .nullish(),
  name: z.string().max(500).nullish(),
  traits: z.record(z.string(), z.unknown()).nullish(),
  isTest: z.boolean().nullish(),
});

@InputType({ description: 'Puts a user in an account with a role; both must exist.' })
export class UpsertMembershipInput {
  @Field({ description: 'externalId of the account; it must exist.' })
  accountExternalId: string;

  @Field({ description: 'externalId of the user; it must exist.' })
  userExternalId: string;

  @Field(() => String, {
    nullable: true,
    description:
      'ADMINISTRATOR, MEMBER, BILLING or GUEST. A new membership defaults to MEMBER; an existing one keeps its role.',
  })
  role?: string | null;

  @Field(() => Date, { nullable: true, description: 'Default: now, for a new membership.' })
  joinedAt?: Date | null;

  @Field(() => Date, {
    description:
      'When the user left the account; null makes them a member again. Left out: unchanged.',
    nullable: true,
  })
  leftAt?: Date | null;
}

export const upsertMembershipSchema = z.object({
  accountExternalId: externalIdSchema,
  userExternalId: externalIdSchema,
  role: z.string().trim().toUpperCase().nullish(),
  joinedAt: z.date().nullish(),
  leftAt: z.date().nullish(),
});

@InputType({ description: 'Which users a users query lists.' })
export class UserFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive text in the name or email.',
  })
  search?: string | null;

  @Field(() => Boolean, {
    description: 'Only test (true) or only real (false) users.',
    nullable: true,
  })
  isTest?: boolean | null;

  @Field(() => Boolean, { description: 'Include soft-deleted users.', defaultValue: false })
  includeDeleted: boolean;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => UserFilter, { description: 'Which users to list.', nullable: true })
  filter?: UserFilter | null;

  @Field(() => Date, { nullable: true, description: 'Only users changed at or after this time.' })
  updatedSince?: Date | null;
}

@ArgsType()
export class UserLookupArgs {
  @Field(() => ID, { description: "Harmony's id of the user.", nullable: true })
  id?: string | null;

  @Field(() => String, { description: "The user's id in your app.", nullable: true })
  externalId?: string | null;
}
