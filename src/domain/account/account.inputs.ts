import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { z } from 'zod';
import { PageArgs } from '../shared/connection';

@InputType({ description: 'Creates the account or updates it; fields left out keep their value.' })
export class UpsertAccountInput {
  @Field()
  externalId: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => Int, { nullable: true })
  employeeCount?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Merged into the stored traits.' })
  traits?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
  isTest?: boolean | null;
}

export const externalIdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters');

export const upsertAccountSchema = z.object({
  externalId: externalIdSchema,
  name: z.string().max(500).nullish(),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected a domain such as "acme.com"')
    .nullish(),
  industry: z.string().max(200).nullish(),
  employeeCount: z.number().int().min(0, 'must not be negative').nullish(),
  traits: z.record(z.string(), z.unknown()).nullish(),
  isTest: z.boolean().nullish(),
});

@InputType()
export class IntRangeInput {
  @Field(() => Int, { nullable: true, description: 'Inclusive lower bound.' })
  min?: number | null;

  @Field(() => Int, { nullable: true, description: 'Inclusive upper bound.' })
  max?: number | null;
}

@InputType()
export class AccountFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive text in the name or domain.',
  })
  search?: string | null;

  @Field(() => [String], { nullable: true })
  industry?: string[] | null;

  @Field(() => IntRangeInput, { nullable: true })
  employeeCount?: IntRangeInput | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Codes of the plans of current subscriptions.',
  })
  planCode?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Only test (true) or only real (false) accounts.',
  })
  isTest?: boolean | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Include soft-deleted accounts.' })
  includeDeleted: boolean;
}

@ArgsType()
export class AccountsArgs extends PageArgs {
  @Field(() => AccountFilter, { nullable: true })
  filter?: AccountFilter | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Only accounts changed at or after this time.',
  })
  updatedSince?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Only the members of this segment (by name).',
  })
  segment?: string | null;
}

@ArgsType()
export class AccountLookupArgs {
  @Field(() => ID, { nullable: true })
  id?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}
