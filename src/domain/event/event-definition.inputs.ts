import { ArgsType, Field, ID } from 'type-graphql';
import { z } from 'zod';

@ArgsType()
export class DefineEventArgs {
  @Field({ description: 'Event name; if it is a current or earlier key, that definition changes.' })
  key: string;

  @Field(() => String, { nullable: true, description: 'Default: the key, for a new definition.' })
  displayName?: string | null;

  @Field(() => String, {
    description: 'What the event means, for people reading the catalog.',
    nullable: true,
  })
  description?: string | null;

  @Field(() => String, { description: 'Free grouping, e.g. engagement or sales.', nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true, description: 'Why; kept in the change log.' })
  reason?: string | null;
}

const keySchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const defineEventSchema = z.object({
  key: keySchema,
  displayName: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
  description: z.string().max(2000).nullish(),
  category: z.string().trim().max(100).nullish(),
  reason: z.string().max(1000).nullish(),
});

@ArgsType()
export class RenameEventDefinitionArgs {
  @Field(() => ID, { description: 'Stable id of the definition to rename.' })
  id: string;

  @Field({ description: 'The new key; the old one stays an alias.' })
  key: string;

  @Field(() => String, { nullable: true, description: 'Default: unchanged.' })
  displayName?: string | null;

  @Field({ description: 'Why; kept in the change log.' })
  reason: string;
}

export const renameEventDefinitionSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/, 'expected an event definition id'),
  key: keySchema,
  displayName: z.string().trim().min(1, 'must not be empty').max(200).nullish(),
  reason: z.string().trim().min(1, 'must say why').max(1000),
});

@ArgsType()
export class EventDefinitionLookupArgs {
  @Field(() => ID, { description: "The definition's stable id.", nullable: true })
  id?: string | null;

  @Field(() => String, { nullable: true, description: 'A current or earlier key.' })
  key?: string | null;
}
