import { Account } from '../domain/account/account.entity';
import { ApiKey } from '../domain/api-key/api-key.entity';
import { EventDefinition, EventDefinitionChange } from '../domain/event/event-definition.entity';
import { Plan } from '../domain/plan/plan.entity';
import {
  Subscription,
  SubscriptionHistoryEntry,
  SubscriptionStatus,
} from '../domain/subscription/subscription.entity';
import { Team } from '../domain/team/team.entity';
import { Membership, MembershipRole } from '../domain/user/membership.entity';
import { User } from '../domain/user/user.entity';

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
