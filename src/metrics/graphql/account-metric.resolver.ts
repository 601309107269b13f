import { Arg, Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Account } from '../../domain/account/account.entity';
import type { RequestContext } from '../../context/request-context';
import type { AccountScope } from '../metrics.service';
import { METRIC_NAME_DESCRIPTION, METRIC_NAMES_DESCRIPTION } from './metric-name.description';
import { WindowInput } from './metric.inputs';
import { AccountMetricValue, FRESH_DESCRIPTION } from './metric.types';

const INCLUDE_TEST =
  'Count the account even when it is a test account (isTest). Default false: a test account answers 0 with excluded TEST_ACCOUNT.';
const INCLUDE_DELETED =
  'Count the account even when it is soft-deleted. Default false: it answers 0 with excluded DELETED_ACCOUNT.';

/** Account.metric / Account.metrics, batched per (metric, window) across a page of accounts. */
@Resolver(() => Account)
export class AccountMetricResolver {
  @Authorized('read')
  @FieldResolver(() => AccountMetricValue, { description: "One metric's value for this account." })
  async metric(
    @Root() account: Account,
    @Arg('name', { description: METRIC_NAME_DESCRIPTION }) name: string,
    @Arg('window', () => WindowInput, { description: 'The window to evaluate over.' })
    window: WindowInput,
    @Arg('includeTest', () => Boolean, { nullable: true, description: INCLUDE_TEST })
    includeTest: boolean | null,
    @Arg('includeDeleted', () => Boolean, { nullable: true, description: INCLUDE_DELETED })
    includeDeleted: boolean | null,
    @Arg('fresh', () => Boolean, { defaultValue: false, description: FRESH_DESCRIPTION })
    fresh: boolean,
    @Ctx() { services, loaders }: RequestContext,
  ): Promise<AccountMetricValue> {
    const scope = { includeTest, includeDeleted };
    const value = await loaders
      .accountMetricValue(services.metrics, name, window, scope, fresh)
      .load(account.id);
    return { ...value, excluded: exclusionOf(account, scope) };
  }

  @Authorized('read')
  @FieldResolver(() => [AccountMetricValue], { description: 'Several metrics for this account.' })
  async metrics(
    @Root() account: Account,
    @Arg('names', () => [String], {
      description: METRIC_NAMES_DESCRIPTION,
    })
    names: string[],
    @Arg('window', () => WindowInput, { description: 'The window to evaluate over.' })
    window: WindowInput,
    @Arg('includeTest', () => Boolean, { nullable: true, description: INCLUDE_TEST })
    includeTest: boolean | null,
    @Arg('includeDeleted', () => Boolean, { nullable: true, description: INCLUDE_DELETED })
    includeDeleted: boolean | null,
    @Arg('fresh', () => Boolean, { defaultValue: false, description: FRESH_DESCRIPTION })
    fresh: boolean,
    @Ctx() { services, loaders }: RequestContext,
  ): Promise<AccountMetricValue[]> {
    services.metrics.assertNameCount(names);
    const scope = { includeTest, includeDeleted };
    const excluded = exclusionOf(account, scope);
    const values = await Promise.all(
      names.map((name) =>
        loaders.accountMetricValue(services.metrics, name, window, scope, fresh).load(account.id),
      ),
    );
    return values.map((value) => ({ ...value, excluded }));
  }
}

/** Why the account's own value is 0 by exclusion, if it is. */
function exclusionOf(account: Account, scope: AccountScope): AccountMetricValue['excluded'] {
  if (account.deletedAt && !scope.includeDeleted) return 'DELETED_ACCOUNT';
  if (account.isTest && !scope.includeTest) return 'TEST_ACCOUNT';
  return null;
}
