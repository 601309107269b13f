import { ArgsType, Field, InputType } from 'type-graphql';
import { z } from 'zod';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({ description: 'Creates the team or updates it, keyed by externalId.' })
export class UpsertTeamInput {
  @Field()
  externalId: string;

  @Field({ description: 'The account the team belongs to.' })
  accountExternalId: string;

  @Field()
  name: string;

  @Field(() => [String], {
    nullable: true,
    description: "The members' user externalIds; replaces the member list.",
  })
  memberExternalIds?: string[] | null;
}

export const upsertTeamSchema = z.object({
  externalId: externalIdSchema,
  accountExternalId: externalIdSchema,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  memberExternalIds: z.array(externalIdSchema).max(10_000).nullish(),
});

@ArgsType()
export class TeamsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the teams of this account.' })
  accountExternalId?: string | null;

  @Field(() => Boolean, { defaultValue: false })
  includeDeleted: boolean;

  @Field(() => Date, { nullable: true })
  updatedSince?: Date | null;
}
