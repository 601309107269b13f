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
import { assertPageSize, decodeCursor, encodeCursor } from '../../domain/shared/connection';
import {
  PlanEntriesArgs,
  PlanEntryConnection,
  PlanEntryInput,
  PlanEntryType,
  PlanEntryVersionType,
} from './target.types';

/** Most plan rows one page lists. */
const MAX_PLAN_PAGE = 1000;

/** The business plan over GraphQL: write targets and actuals, list them with their history. */
@Resolver(() => PlanEntryType)
export class TargetResolver {
  @Authorized('sync')
  @Mutation(() => [PlanEntryType], {
    description:
      'Writes up to 1,000 plan targets and monthly actuals in one transaction: all or nothing. A changed value makes a new version (who, when, why, the value before); an unchanged one records nothing.',
  })
  upsertTargets(
    @Arg('inputs', () => [PlanEntryInput], { description: 'The rows, up to 1,000.' })
    inputs: PlanEntryInput[],
    @Arg('reason', { description: 'Why the plan changed (kept with each new version).' })
    reason: string,
    @Ctx() { services, principal }: RequestContext,
  ) {
    return services.targets.upsert(inputs, reason, principal.name);
  }

  @Authorized('read')
  @Query(() => PlanEntryConnection, { description: 'Rows of the business plan in id order.' })
  async targets(@Args() args: PlanEntriesArgs, @Ctx() { services }: RequestContext) {
    assertPageSize(args.first, MAX_PLAN_PAGE);
    const afterId = args.after ? decodeCursor(args.after) : null;
    const rows = await services.targets.store.list(
      { metric: args.metric, kind: args.kind },
      afterId,
      args.first + 1,
    );
    const page = rows.slice(0, args.first);
    return {
      edges: page.map((node) => ({ cursor: encodeCursor(node.id), node })),
      pageInfo: {
        hasNextPage: rows.length > args.first,
        hasPreviousPage: afterId !== null,
        startCursor: page.length ? encodeCursor(page[0].id) : null,
        endCursor: page.length ? encodeCursor(page[page.length - 1].id) : null,
      },
    };
  }

  @FieldResolver(() => [PlanEntryVersionType], { description: 'Every value it had, oldest first.' })
  versions(@Root() entry: PlanEntryType, @Ctx() { services }: RequestContext) {
    return services.targets.store.versions(entry.id);
  }
}
