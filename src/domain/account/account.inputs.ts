import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../shared/scalars';
import { z } from 'zod';
import { PageArgs } from '../shared/connection';

@InputType({ description: 'Creates the account or updates it; fields left out keep their value.' })
export class UpsertAccountInput {
  @Field({ description: "The account's id in your app or CRM; the upsert key." })
  externalId: string;

  @Field(() => String, { description: "The company's name; null clears it.", nullable: true })
  name?: string | null;

  @Field(() => String, {
    description: 'Web domain such as acme.com (stored lower case); null clears it.',
    nullable: true,
  })
  domain?: string | null;

  @Field(() => String, { description: 'Industry, free text; null clears it.', nullable: true })
  industry?: string | null;

  @Field(() => Int, { description: 'Number of employees; null clears it.', nullable: true })
  employeeCount?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Merged into the stored traits.' })
  traits?: Record<string, unknown> | null;

  @Field(() => Boolean, {
    description: 'Keep the account out of metrics (test or dummy data).',
    nullable: true,
  })
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

@InputType({ description: 'An inclusive integer range; either bound may be left out.' })
export class IntRangeInput {
  @Field(() => Int, { nullable: true, description: 'Inclusive lower bound.' })
  min?: number | null;

  @Field(() => Int, { nullable: true, description: 'Inclusive upper bound.' })
  max?: number | null;
}

@InputType({ description: 'Which accounts an accounts query lists; all conditions must hold.' })
export class AccountFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive text in the name or domain.',
  })
  search?: string | null;

  @Field(() => [String], { description: 'Only accounts in these industries.', nullable: true })
  industry?: string[] | null;

  @Field(() => IntRangeInput, {
    description: 'Only accounts with an employee count in this range.',
    nullable: true,
  })
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
  @Field(() => AccountFilter, { description: 'Which accounts to list.', nullable: true })
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
  @Field(() => ID, { description: "Harmony's id of the account.", nullable: true })
  id?: string | null;

  @Field(() => String, { description: "The account's id in your app or CRM.", nullable: true })
  externalId?: string | null;
}
