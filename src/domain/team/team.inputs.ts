import { ArgsType, Field, InputType } from 'type-graphql';
import { z } from 'zod';
import { externalIdSchema } from '../account/account.inputs';
import { PageArgs } from '../shared/connection';

@InputType({
  description:
    'Creates the team or updates it, keyed by externalId. A new team needs accountExternalId and name; for an ' +
    'existing one a field left out keeps its value.',
})
export class UpsertTeamInput {
  @Field({ description: "The team's id in your system; the upsert key." })
  externalId: string;

  @Field(() => String, {
    nullable: true,
    description: 'externalId of the account the team belongs to. Required for a new team.',
  })
  accountExternalId?: string | null;

  @Field(() => String, { nullable: true, description: 'Display name. Required for a new team.' })
  name?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "The members' user externalIds; replaces the member list. Left out, the members stay as they are.",
  })
  memberExternalIds?: string[] | null;
}

export const upsertTeamSchema = z.object({
  externalId: externalIdSchema,
  accountExternalId: externalIdSchema.optional(),
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  memberExternalIds: z.array(externalIdSchema).max(10_000).nullish(),
});

@ArgsType()
export class TeamsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the teams of this account.' })
  accountExternalId?: string | null;

  @Field(() => Boolean, { description: 'Include soft-deleted teams.', defaultValue: false })
  includeDeleted: boolean;

  @Field(() => Date, { description: 'Only teams changed at or after this time.', nullable: true })
  updatedSince?: Date | null;
}
