import {
  Arg,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Int,
  ObjectType,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { invalidInput } from '../../shared/errors';
import { WindowInput } from '../../metrics/graphql/metric.inputs';
import { resolveWindow } from '../../metrics/windows';
import { Account } from '../account/account.entity';
import { EventDefinition } from './event-definition.entity';
import { isBigintId } from '../shared/lookup';

@ObjectType({ description: 'How many events of one definition an account had in a window.' })
export class EventCount {
  @Field(() => EventDefinition, { description: 'The event definition counted.' })
  definition: EventDefinition;

  @Field(() => Int, { description: "The account's events of that definition in the window." })
  count: number;
}

/** `Account.eventCounts`, read from the daily rollup (never from raw events). */
@Resolver(() => Account)
export class AccountEventCountsResolver {
  @Authorized('read')
  @FieldResolver(() => [EventCount], {
    description:
      'Events per definition in the window [from, to): the same WindowInput as metrics (absolute or ' +
      'relative, in its time zone, completeOnly). Windows whose ends are UTC midnights read the daily ' +
      'rollup, others count raw events. Definitions by id or by any key they ever had; all definitions ' +
      'with events when left out. Requested definitions with no events count 0.',
  })
  async eventCounts(
    @Root() account: Account,
    @Arg('window', () => WindowInput, { description: 'The window to count in.' })
    window: WindowInput,
    @Arg('definitions', () => [String], {
      nullable: true,
      description: 'Event definitions by id or key; default: every definition with events.',
    })
    definitions: string[] | null,
    @Ctx() { loaders }: RequestContext,
  ): Promise<EventCount[]> {
    const { from, to } = resolveWindow(window, new Date());
    const wanted = definitions ? await resolveDefinitions(definitions, loaders) : null;
    const rows = await loaders
      .eventCountsByAccountId(from.toJSDate(), to.toJSDate(), wanted?.map((d) => d.id) ?? null)
      .load(account.id);
    const countById = new Map(rows.map((row) => [row.definitionId, row.count]));
    const shown =
      wanted ??
      (await Promise.all(rows.map((row) => loaders.eventDefinitionById.load(row.definitionId))))
        .filter((d): d is EventDefinition => d !== null)
        .sort((a, b) => a.key.localeCompare(b.key));
    return shown.map((definition) => ({ definition, count: countById.get(definition.id) ?? 0 }));
  }
}

async function resolveDefinitions(
  references: string[],
  loaders: RequestContext['loaders'],
): Promise<EventDefinition[]> {
  const found: EventDefinition[] = [];
  for (const reference of references) {
    const definition = isBigintId(reference)
      ? await loaders.eventDefinitionById.load(reference)
      : await loaders.eventDefinitionByKey.load(reference);
    if (!definition) {
      throw invalidInput('definitions', `no event definition has the id or key "${reference}"`);
    }
    if (!found.some((d) => d.id === definition.id)) found.push(definition);
  }
  return found;
}
