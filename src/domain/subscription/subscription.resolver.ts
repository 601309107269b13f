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
import { UpsertMutations } from '../shared/upsert-mutations';
import { Account } from '../account/account.entity';
import { Plan } from '../plan/plan.entity';
import { ConnectionType, NestedFirstArg, nestedListSize } from '../shared/connection';
import { Subscription, SubscriptionHistoryEntry, SubscriptionStatus } from './subscription.entity';
import { SubscriptionsArgs, UpsertSubscriptionInput } from './subscription.inputs';

export const SubscriptionConnection = ConnectionType(Subscription, 'BillingSubscription');

@Resolver(() => Subscription)
export class SubscriptionResolver extends UpsertMutations({
  node: Subscription,
  input: UpsertSubscriptionInput,
  name: 'Subscription',
  pluralName: 'Subscriptions',
  description: 'Creates or updates a subscription; changes go to its history.',
  serviceOf: (services) => services.subscriptions,
}) {
  @Authorized('read')
  @Query(() => SubscriptionConnection, {
    description: 'Subscriptions in a stable order (oldest first).',
  })
  subscriptions(@Args() args: SubscriptionsArgs, @Ctx() { services }: RequestContext) {
    return services.subscriptions.list(args);
  }

  @Authorized('read')
  @Query(() => [SubscriptionStatus], { description: 'The subscription status lookup table.' })
  subscriptionStatuses(@Ctx() { services }: RequestContext) {
    return services.dataSource.getRepository(SubscriptionStatus).find({ order: { code: 'ASC' } });
  }

  @Authorized('sync')
  @Mutation(() => Subscription, {
    description: 'Soft-deletes a subscription; it leaves revenue metrics.',
  })
  deleteSubscription(
    @Arg('externalId', { description: 'externalId of the subscription to soft-delete.' })
    externalId: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.subscriptions.softDelete(externalId);
  }

  @FieldResolver(() => Plan, {
    nullable: true,
    description: 'The plan billed; null when none was given.',
  })
  plan(@Root() subscription: Subscription, @Ctx() { loaders }: RequestContext) {
    return subscription.planId ? loaders.planById.load(subscription.planId) : null;
  }

  @FieldResolver(() => Account, { nullable: true, description: 'The account it bills.' })
  account(@Root() subscription: Subscription, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(subscription.accountId);
  }

  @FieldResolver(() => [SubscriptionHistoryEntry], { description: 'Every change, oldest first.' })
  history(
    @Root() subscription: Subscription,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return loaders.historyBySubscriptionId(nestedListSize(first)).load(subscription.id);
  }
}

@Resolver(() => SubscriptionHistoryEntry)
export class SubscriptionHistoryResolver {
  @FieldResolver(() => Plan, {
    nullable: true,
    description: 'The plan billed from effectiveAt on.',
  })
  plan(@Root() entry: SubscriptionHistoryEntry, @Ctx() { loaders }: RequestContext) {
    return entry.planId ? loaders.planById.load(entry.planId) : null;
  }
}
