import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { assertPageSize } from '../../domain/shared/connection';
import { invalidInput } from '../../shared/errors';
import { parseCursor } from '../change-feed';
import type { StoredThreshold } from './threshold-store';
import {
  DefineThresholdInput,
  ThresholdCrossingPage,
  ThresholdCrossingsArgs,
  ThresholdDirection,
  ThresholdType,
  ThresholdVersionType,
} from './threshold.types';

/** Most crossings one page reads. */
const MAX_CROSSINGS_PAGE = 1000;
/** Most accounts one evaluateThresholds call names. */
const MAX_EVALUATE_ACCOUNTS = 10_000;

function toThresholdType(stored: StoredThreshold): ThresholdType {
  const d = stored.definition;
  return {
    name: d.name,
    label: d.label,
    description: d.description,
    metric: d.metric ?? null,
    score: d.score ?? null,
    window: d.window,
    direction: d.direction as ThresholdDirection,
    enter: d.enter,
    exit: d.exit,
    accounts: d.accounts,
    version: stored.version,
    updatedAt: stored.updatedAt,
  };
}

/** Thin resolvers over ThresholdService. */
@Resolver(() => ThresholdType)
export class ThresholdResolver {
  @Authorized('read')
  @Query(() => [ThresholdType], { description: 'Every threshold, current version.' })
  async thresholds(@Ctx() { services }: RequestContext) {
    return (await services.thresholds.definitions()).map(toThresholdType);
  }

  @Authorized('read')
  @Query(() => ThresholdType, { description: 'One threshold with its history.' })
  async threshold(
    @Arg('name', { description: 'The threshold name.' }) name: string,
    @Ctx() { services }: RequestContext,
  ) {
    return toThresholdType(await services.thresholds.definition(name));
  }

  @Authorized('read')
  @Query(() => ThresholdCrossingPage, {
    description:
      'Crossings of one threshold in commit order, each with the value that caused it; a stored cursor never misses or repeats one.',
  })
  async thresholdCrossings(
    @Args() args: ThresholdCrossingsArgs,
    @Ctx() { services }: RequestContext,
  ) {
    assertPageSize(args.first, MAX_CROSSINGS_PAGE);
    const after = parseCursor(args.after);
    const rows = await services.thresholds.crossings(args.threshold, after, args.first + 1);
    const crossings = rows.slice(0, args.first);
    return {
      crossings,
      endCursor: crossings.length ? crossings[crossings.length - 1].cursor : after,
      hasNextPage: rows.length > args.first,
    };
  }

  @Authorized('admin')
  @Mutation(() => ThresholdType, {
    description:
      'Creates or changes a threshold; a change makes a new version recording who, when and why. Accounts are re-evaluated at the next pass.',
  })
  async defineThreshold(
    @Arg('input', { description: 'The definition, as an object or YAML.' })
    input: DefineThresholdInput,
    @Arg('reason', { description: 'Why it changed.' }) reason: string,
    @Ctx() { services, principal }: RequestContext,
  ) {
    return toThresholdType(await services.thresholds.define(input, reason, principal.name));
  }

  @Authorized('admin')
  @Mutation(() => Int, {
    description:
      'Evaluates every threshold now, for these accounts or (without ids) every account; returns the number of crossings recorded.',
  })
  evaluateThresholds(
    @Arg('accountIds', () => [ID], {
      nullable: true,
      description: 'Up to 10,000 account ids; none for all.',
    })
    accountIds: string[] | null,
    @Ctx() { services }: RequestContext,
  ) {
    if (accountIds && accountIds.length > MAX_EVALUATE_ACCOUNTS) {
      throw invalidInput(
        'accountIds',
        `expected at most ${MAX_EVALUATE_ACCOUNTS} ids, got ${accountIds.length}`,
      );
    }
    if (accountIds?.some((id) => !/^\d{1,18}$/.test(id))) {
      throw invalidInput('accountIds', 'expected account ids (decimal numbers)');
    }
    return services.thresholds.evaluate(accountIds, 'THRESHOLD');
  }

  @FieldResolver(() => [ThresholdVersionType], { description: 'Every version, oldest first.' })
  versions(@Root() threshold: ThresholdType, @Ctx() { services }: RequestContext) {
    return services.thresholds.store.versions(threshold.name);
  }
}
