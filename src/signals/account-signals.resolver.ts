import DataLoader from 'dataloader';
import { Arg, Authorized, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { Account } from '../domain/account/account.entity';
import { invalidInput } from '../shared/errors';
import type { AccountScore } from './pql/score.service';
import { AccountScoreType } from './pql/score.types';
import { MAX_RECENT_CROSSINGS, signalLoadersOf } from './thresholds/account-signals';
import {
  AccountSignals,
  AccountThresholdState,
  ThresholdCrossingType,
} from './thresholds/threshold.types';

/** PQL scores of a page of accounts, computed once per request for the whole page. */
const pqlLoaders = new WeakMap<object, DataLoader<string, AccountScore>>();

function pqlLoaderOf(context: RequestContext): DataLoader<string, AccountScore> {
  let loader = pqlLoaders.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const scores = await context.services.scores.scores('pql', ids);
      return ids.map((id) => scores.get(id)!);
    });
    pqlLoaders.set(context, loader);
  }
  return loader;
}

/** Account.signals and Account.pqlScore: batched over a page of accounts. */
@Resolver(() => Account)
export class AccountSignalsResolver {
  @Authorized('read')
  @FieldResolver(() => AccountSignals, {
    description: 'Where the account stands for each threshold, and its recent crossings.',
  })
  signals(@Root() account: Account): AccountSignals {
    return { accountId: account.id };
  }

  @Authorized('read')
  @FieldResolver(() => AccountScoreType, {
    description:
      "The PQL score (0-100, schema/scores/pql.yml) with each signal's value, weight and points, so a rep can see why the account scored what it did.",
  })
  async pqlScore(@Root() account: Account, @Ctx() context: RequestContext) {
    const score = await pqlLoaderOf(context).load(account.id);
    return { score: score.score, ...score.window, contributions: score.contributions };
  }
}

@Resolver(() => AccountSignals)
export class AccountSignalsFieldsResolver {
  @FieldResolver(() => [AccountThresholdState], {
    description: 'The current state of each threshold the account has been evaluated for.',
  })
  thresholds(@Root() signals: AccountSignals, @Ctx() context: RequestContext) {
    return signalLoadersOf(context, context.services.dataSource).thresholdStates.load(
      signals.accountId,
    );
  }

  @FieldResolver(() => [ThresholdCrossingType], {
    description: 'Its latest crossings, newest first.',
  })
  recentCrossings(
    @Root() signals: AccountSignals,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, {
      defaultValue: 10,
      description: `At most this many, 1 to ${MAX_RECENT_CROSSINGS}.`,
    })
    first: number,
  ) {
    if (!Number.isInteger(first) || first < 1 || first > MAX_RECENT_CROSSINGS) {
      throw invalidInput('first', `expected 1 to ${MAX_RECENT_CROSSINGS}, got ${first}`);
    }
    return signalLoadersOf(context, context.services.dataSource)
      .recentCrossings(first)
      .load(signals.accountId);
  }
}
