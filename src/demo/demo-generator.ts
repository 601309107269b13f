import { DEMO_MONTHS } from './demo-calendar';
import type { DemoModel, DemoSubscription, ModelTime } from './demo-model';
import { generateAccounts, generatePeople } from './demo-organisations';
import { generateSubscriptions } from './demo-subscriptions';
import { createRandom, type Random } from './random';

export type DemoModelOptions = {
  /** Same seed, same data set. */
  seed: number;
  /** Number of accounts. Default 300. */
  accounts?: number;
};

/** Soft-deleted accounts: former customers whose workspace was removed after they left. */
const DELETED_ACCOUNTS = 3;
const DELETED_USER_SHARE = 0.005;
const LEFT_MEMBERSHIP_SHARE = 0.02;

/**
 * The whole demo data set in model time, a pure function of the seed. Each part draws from its
 * own random stream, so tuning the people does not reshuffle the subscriptions.
 */
export function generateDemoModel(options: DemoModelOptions): DemoModel {
  const stream = (part: number) => createRandom((options.seed * 7919 + part) | 0);
  const accounts = generateAccounts(stream(1), options.accounts ?? 300);
  const subscriptions = generateSubscriptions(stream(2), accounts);
  const { users, memberships, teams } = generatePeople(stream(3), accounts);
  const model: DemoModel = { accounts, users, memberships, teams, subscriptions };
  const random = stream(4);
  softDeleteFormerCustomers(random, model);
  markDepartures(random, model);
  assignLastSeen(random, model);
  return model;
}

/** When an account's last subscription ended, or null while one is in force. */
function lastEndOf(subscriptions: readonly DemoSubscription[]): ModelTime | null {
  if (subscriptions.length === 0 || subscriptions.some((s) => s.endedAt === null)) return null;
  return Math.max(...subscriptions.map((s) => s.endedAt!));
}

function subscriptionsByAccount(model: DemoModel): Map<number, DemoSubscription[]> {
  const byAccount = new Map<number, DemoSubscription[]>();
  for (const subscription of model.subscriptions) {
    const list = byAccount.get(subscription.account) ?? [];
    list.push(subscription);
    byAccount.set(subscription.account, list);
  }
  return byAccount;
}

function softDeleteFormerCustomers(random: Random, model: DemoModel): void {
  const byAccount = subscriptionsByAccount(model);
  const gone = model.accounts
    .map((account, index) => ({ account, end: lastEndOf(byAccount.get(index) ?? []) }))
    .filter(({ account, end }) => !account.isTest && end !== null && end < DEMO_MONTHS - 1);
  for (const { account, end } of random.sample(gone, DELETED_ACCOUNTS)) {
    account.deletedAt = end! + random.float(0.1, 1);
  }
}

/** A few people leave their company (membership ends); some of them are deleted as users. */
function markDepartures(random: Random, model: DemoModel): void {
  for (const membership of model.memberships) {
    if (membership.role === 'ADMINISTRATOR' || !random.chance(LEFT_MEMBERSHIP_SHARE)) continue;
    membership.leftAt =
      membership.joinedAt + (DEMO_MONTHS - membership.joinedAt) * random.float(0.3, 0.95);
  }
  const leftAtOfUser = new Map<number, ModelTime | null>();
  for (const { user, leftAt } of model.memberships) {
    const known = leftAtOfUser.get(user);
    // null means the user still belongs somewhere.
    leftAtOfUser.set(user, known === null || leftAt === null ? null : Math.max(known ?? 0, leftAt));
  }
  const gone = [...leftAtOfUser].filter(([, leftAt]) => leftAt !== null);
  const count = Math.min(gone.length, Math.round(model.users.length * DELETED_USER_SHARE));
  for (const [userIndex, leftAt] of random.sample(gone, count)) {
    model.users[userIndex].deletedAt = Math.min(DEMO_MONTHS - 0.01, leftAt! + 0.05);
  }
}

/**
 * Users of an account in force were last seen during the last month; those of a former customer
 * around the time it left. An account was last seen when its last user was.
 */
function assignLastSeen(random: Random, model: DemoModel): void {
  const byAccount = subscriptionsByAccount(model);
  const activityEnd = model.accounts.map((_, index) => {
    const end = lastEndOf(byAccount.get(index) ?? []);
    return end === null ? DEMO_MONTHS - 0.01 : end;
  });
  for (const membership of model.memberships) {
    const user = model.users[membership.user];
    const until = Math.min(activityEnd[membership.account], membership.leftAt ?? DEMO_MONTHS);
    const from = Math.max(membership.joinedAt, until - 1);
    if (from >= until || !random.chance(0.85)) continue;
    const seen = from + (until - from) * random.float();
    user.lastSeenAt = Math.max(user.lastSeenAt ?? 0, seen);
    const account = model.accounts[membership.account];
    account.lastSeenAt = Math.max(account.lastSeenAt ?? 0, seen);
  }
}
