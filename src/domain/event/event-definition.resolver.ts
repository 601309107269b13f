import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { NestedFirstArg, nestedListSize } from '../shared/connection';
import { EventDefinition, EventDefinitionChange } from './event-definition.entity';
import {
  DefineEventArgs,
  EventDefinitionLookupArgs,
  RenameEventDefinitionArgs,
} from './event-definition.inputs';

@Resolver(() => EventDefinition)
export class EventDefinitionResolver {
  @Authorized('read')
  @Query(() => [EventDefinition], {
    description:
      'Event definitions in key order, `first` at a time; pass the last key as `afterKey` for the next ones.',
  })
  eventDefinitions(
    @NestedFirstArg() first: number,
    @Arg('afterKey', () => String, {
      nullable: true,
      description: 'The key of the last definition of the previous page.',
    })
    afterKey: string | null,
    @Ctx() { services }: RequestContext,
  ) {
    return services.eventDefinitions.list(nestedListSize(first), afterKey);
  }

  @Authorized('read')
  @Query(() => EventDefinition, {
    nullable: true,
    description: 'One event definition by id, or by a current or earlier key.',
  })
  eventDefinition(@Args() lookup: EventDefinitionLookupArgs, @Ctx() { services }: RequestContext) {
    return services.eventDefinitions.find(lookup);
  }

  @Authorized('admin')
  @Mutation(() => EventDefinition, {
    description:
      'Creates an event definition, or changes the display name, description or category of ' +
      'the one with this key. Recorded in its change log.',
  })
  defineEvent(@Args() args: DefineEventArgs, @Ctx() { services, principal }: RequestContext) {
    return services.eventDefinitions.define(args, principal.name);
  }

  @Authorized('admin')
  @Mutation(() => EventDefinition, {
    description:
      'Renames an event definition; the old key stays an alias, so events sent under it keep ' +
      'landing on the same definition and metrics keep working. Recorded in its change log.',
  })
  renameEventDefinition(
    @Args() args: RenameEventDefinitionArgs,
    @Ctx() { services, principal }: RequestContext,
  ) {
    return services.eventDefinitions.rename(args, principal.name);
  }

  @FieldResolver(() => [String], {
    description: 'Every key it ever had, the current one included.',
  })
  async aliases(@Root() definition: EventDefinition, @Ctx() { loaders }: RequestContext) {
    const rows = await loaders.aliasesByDefinitionId.load(definition.id);
    return rows.map((row) => row.alias);
  }

  @FieldResolver(() => [EventDefinitionChange], { description: 'Every change, oldest first.' })
  changes(@Root() definition: EventDefinition, @Ctx() { loaders }: RequestContext) {
    return loaders.changesByDefinitionId.load(definition.id);
  }
}
