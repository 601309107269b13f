import { Arg, Authorized, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Account } from '../../domain/account/account.entity';
import type { RequestContext } from '../../context/request-context';
import { WindowInput } from './metric.inputs';
import { AccountMetricValue, FRESH_DESCRIPTION } from './metric.types';

/** Account.metric / Account.metrics, batched per (metric, window) across a page of accounts. */
@Resolver(() => Account)
export class AccountMetricResolver {
  @Authorized('read')
  @FieldResolver(() => AccountMetricValue, { description: "One metric's value for this account." })
  metric(
    @Root() account: Account,
    @Arg('name') name: string,
    @Arg('window', () => WindowInput) window: WindowInput,
    @Arg('fresh', () => Boolean, { defaultValue: false, description: FRESH_DESCRIPTION })
    fresh: boolean,
    @Ctx() { services, loaders }: RequestContext,
  ) {
    return loaders.accountMetricValue(services.metrics, name, window, fresh).load(account.id);
  }

  @Authorized('read')
  @FieldResolver(() => [AccountMetricValue], { description: 'Several metrics for this account.' })
  metrics(
    @Root() account: Account,
    @Arg('names', () => [String]) names: string[],
    @Arg('window', () => WindowInput) window: WindowInput,
    @Arg('fresh', () => Boolean, { defaultValue: false, description: FRESH_DESCRIPTION })
    fresh: boolean,
    @Ctx() { services, loaders }: RequestContext,
  ) {
    services.metrics.assertNameCount(names);
    return Promise.all(
      names.map((name) =>
        loaders.accountMetricValue(services.metrics, name, window, fresh).load(account.id),
      ),
    );
  }
}
