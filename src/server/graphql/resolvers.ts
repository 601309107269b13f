import type { NonEmptyArray } from 'type-graphql';
import { AccountResolver } from '../../domain/account/account.resolver';
import { AccountEventCountsResolver, EventDefinitionResolver } from '../../domain/event';
import { AccountEventResolver, AccountRecentEventsResolver } from '../../domain/event';
import { PlanResolver } from '../../domain/plan/plan.resolver';
import {
  SubscriptionHistoryResolver,
  SubscriptionResolver,
} from '../../domain/subscription/subscription.resolver';
import { TeamResolver } from '../../domain/team/team.resolver';
import { MembershipResolver, UserResolver } from '../../domain/user/user.resolver';
import { DestinationResolver } from '../../push';
import {
  AccountMetricResolver,
  MetricDefinitionResolver,
  MetricResolver,
  TargetResolver,
} from '../../metrics';
import {
  AccountSignalsFieldsResolver,
  AccountSignalsResolver,
  ThresholdResolver,
} from '../../signals/thresholds';
import {
  AccountSegmentsResolver,
  AccountViewChangeResolver,
  AccountViewResolver,
  SegmentMembershipChangeResolver,
  SegmentResolver,
} from '../../signals';
import { ChangeFeedSubscriptionResolver, MetricChangedResolver } from '../../live';

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
  TargetResolver,
  ThresholdResolver,
  AccountSignalsResolver,
  AccountSignalsFieldsResolver,
  AccountViewResolver,
  AccountViewChangeResolver,
  SegmentMembershipChangeResolver,
  SegmentResolver,
  AccountSegmentsResolver,
  AccountRecentEventsResolver,
  AccountEventResolver,
  MetricChangedResolver,
  ChangeFeedSubscriptionResolver,
];
