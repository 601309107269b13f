import { Account } from './account/account.entity';
import { ApiKey } from './api-key/api-key.entity';
import { EventDefinition, EventDefinitionChange } from './event/event-definition.entity';
import { Plan } from './plan/plan.entity';
import {
  Subscription,
  SubscriptionHistoryEntry,
  SubscriptionStatus,
} from './subscription/subscription.entity';
import { Team } from './team/team.entity';
import { Membership, MembershipRole } from './user/membership.entity';
import { User } from './user/user.entity';

/** Every TypeORM entity; the composition root hands this list to the data source. */
export const entities = [
  Account,
  ApiKey,
  EventDefinition,
  EventDefinitionChange,
  Membership,
  MembershipRole,
  Plan,
  Subscription,
  SubscriptionHistoryEntry,
  SubscriptionStatus,
  Team,
  User,
];
