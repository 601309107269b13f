import type { DemoPlanCode } from './demo-catalog';

/**
 * The demo data set before it has dates. Every time is *model time*: months since the start of
 * the 24-month demo period, so 24.0 is the first instant of the current month (see
 * demo-calendar.ts). Keeping dates out of the model makes the generated structure identical for
 * a seed whatever the current month is; only the final mapping to timestamps moves.
 */
export type ModelTime = number;

/** Indexes into `DemoModel.accounts` / `DemoModel.users`. */
export type AccountIndex = number;
export type UserIndex = number;

export type DemoAccount = {
  externalId: string;
  name: string;
  domain: string;
  industry: string;
  employeeCount: number;
  /** Index into SIZE_BANDS. */
  sizeBand: number;
  isTest: boolean;
  traits: Record<string, unknown>;
  createdAt: ModelTime;
  deletedAt: ModelTime | null;
  lastSeenAt: ModelTime | null;
};

export type DemoUser = {
  externalId: string;
  email: string;
  name: string;
  isTest: boolean;
  traits: Record<string, unknown>;
  createdAt: ModelTime;
  deletedAt: ModelTime | null;
  lastSeenAt: ModelTime | null;
};

export type MembershipRole = 'ADMINISTRATOR' | 'MEMBER' | 'BILLING' | 'GUEST';

export type DemoMembership = {
  account: AccountIndex;
  user: UserIndex;
  role: MembershipRole;
  joinedAt: ModelTime;
  leftAt: ModelTime | null;
};

export type DemoTeam = {
  externalId: string;
  account: AccountIndex;
  name: string;
  createdAt: ModelTime;
  members: UserIndex[];
};

export type SubscriptionStatus = 'TRIALING' | 'ACTIVE' | 'PAST_DUE' | 'CANCELED' | 'PAUSED';

/** One row of subscription history: the state from `at` until the next step. */
export type DemoStep = {
  at: ModelTime;
  status: SubscriptionStatus;
  plan: DemoPlanCode;
  seats: number;
  mrrMinor: number;
};

export type DemoSubscription = {
  externalId: string;
  account: AccountIndex;
  /** At least one step; the first is at the start, an ended one's last is CANCELED at its end. */
  steps: DemoStep[];
  canceledAt: ModelTime | null;
  endedAt: ModelTime | null;
  /** When the current billing period cycle started (renewals fall whole intervals after it). */
  billingAnchor: ModelTime;
  /** When a still-running trial ends. */
  trialEndsAt: ModelTime | null;
};

export type DemoModel = {
  accounts: DemoAccount[];
  users: DemoUser[];
  memberships: DemoMembership[];
  teams: DemoTeam[];
  subscriptions: DemoSubscription[];
};
