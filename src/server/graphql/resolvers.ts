import type { NonEmptyArray } from 'type-graphql';
import { AccountResolver } from '../../domain/account/account.resolver';
import { AccountEventCountsResolver, EventDefinitionResolver } from '../../domain/event';
import { PlanResolver } from '../../domain/plan/plan.resolver';
import {
  SubscriptionHistoryResolver,
  SubscriptionResolver,
} from '../../domain/subscription/subscription.resolver';
import { TeamResolver } from '../../domain/team/team.resolver';
import { MembershipResolver, UserResolver } from '../../domain/user/user.resolver';
import { AccountMetricResolver, MetricDefinitionResolver, MetricResolver } from '../../metrics';
import { DestinationResolver } from '../../push';

/** Every resolver class the schema is built from. */
export const resolvers: NonEmptyArray<Function> = [
  AccountResolver,
  UserResolver,
  MembershipResolver,
  TeamResolver,
  PlanResolver,
  SubscriptionResolver,
  SubscriptionHistoryResolver,
  EventDefinitionResolver,
  AccountEventCountsResolver,
  MetricResolver,
  MetricDefinitionResolver,
  AccountMetricResolver,
  DestinationResolver,
];
