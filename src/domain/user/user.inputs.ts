import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { z } from 'zod';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({ description: 'Creates the user or updates it; fields left out keep their value.' })
export class UpsertUserInput {
  @Field()
  externalId: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Merged into the stored traits.' })
  traits?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
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
  @Field()
  accountExternalId: string;

  @Field()
  userExternalId: string;

  @Field(() => String, {
    nullable: true,
    description: 'ADMINISTRATOR, MEMBER, BILLING or GUEST (default MEMBER).',
  })
  role?: string | null;

  @Field(() => Date, { nullable: true, description: 'Default: now, for a new membership.' })
  joinedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  leftAt?: Date | null;
}

export const upsertMembershipSchema = z.object({
  accountExternalId: externalIdSchema,
  userExternalId: externalIdSchema,
  role: z.string().trim().toUpperCase().nullish(),
  joinedAt: z.date().nullish(),
  leftAt: z.date().nullish(),
});

@InputType()
export class UserFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive text in the name or email.',
  })
  search?: string | null;

  @Field(() => Boolean, { nullable: true })
  isTest?: boolean | null;

  @Field(() => Boolean, { defaultValue: false })
  includeDeleted: boolean;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => UserFilter, { nullable: true })
  filter?: UserFilter | null;

  @Field(() => Date, { nullable: true, description: 'Only users changed at or after this time.' })
  updatedSince?: Date | null;
}

@ArgsType()
export class UserLookupArgs {
  @Field(() => ID, { nullable: true })
  id?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}
