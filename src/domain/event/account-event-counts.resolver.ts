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
import { Account } from '../account/account.entity';
import { EventDefinition } from './event-definition.entity';
import { EventCountWindowInput } from './event-definition.inputs';
import { isBigintId } from '../shared/lookup';

@ObjectType({ description: 'How many events of one definition an account had in a window.' })
export class EventCount {
  @Field(() => EventDefinition)
  definition: EventDefinition;

  @Field(() => Int)
  count: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** `Account.eventCounts`, read from the daily rollup (never from raw events). */
@Resolver(() => Account)
export class AccountEventCountsResolver {
  @Authorized('read')
  @FieldResolver(() => [EventCount], {
    description:
      'Events per definition in the window, counted in whole UTC days: the days starting in ' +
      '[from, to). Definitions by id or by any key they ever had; all definitions with events ' +
      'when left out. Requested definitions with no events count 0.',
  })
  async eventCounts(
    @Root() account: Account,
    @Arg('window', () => EventCountWindowInput) window: EventCountWindowInput,
    @Arg('definitions', () => [String], { nullable: true }) definitions: string[] | null,
    @Ctx() { loaders }: RequestContext,
  ): Promise<EventCount[]> {
    if (!(window.from < window.to)) throw invalidInput('window', 'expected from to be before to');
    const fromDay = utcDayStartingAtOrAfter(window.from);
    const toDay = utcDayStartingAtOrAfter(window.to);
    const wanted = definitions ? await resolveDefinitions(definitions, loaders) : null;
    const rows = await loaders
      .eventCountsByAccountId(fromDay, toDay, wanted?.map((d) => d.id) ?? null)
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

/** The first UTC midnight at or after an instant, as `YYYY-MM-DD`. */
function utcDayStartingAtOrAfter(instant: Date): string {
  return new Date(Math.ceil(instant.getTime() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
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
