import type { EntityManager } from 'typeorm';
import { DEMO_PLANS, PLAN_BY_CODE } from './demo-catalog';
import type { DemoCalendar } from './demo-calendar';
import type { DemoModel, DemoSubscription, ModelTime } from './demo-model';
import { lastStep } from './demo-subscriptions';

/** Marks every demo row, so demo data can be told apart from (and removed before) real data. */
const SOURCE = 'demo';
const CURRENCY = 'USD';

export type DemoRowCounts = {
  plans: number;
  accounts: number;
  users: number;
  memberships: number;
  teams: number;
  teamMembers: number;
  subscriptions: number;
  historyRows: number;
};

type Column = { name: string; type: string; values: readonly unknown[] };

/**
 * Writes the model with one multi-row statement per table (INSERT ... SELECT FROM unnest of one
 * array per column), so the whole data set is a dozen statements whatever its size.
 */
export async function writeDemoModel(
  manager: EntityManager,
  model: DemoModel,
  calendar: DemoCalendar,
): Promise<DemoRowCounts> {
  const date = (at: ModelTime | null) => (at === null ? null : calendar.toDate(at).toISOString());

  const planIds = await upsertPlans(manager);

  const accountIds = await insertRows(manager, 'accounts', [
    text(
      'external_id',
      model.accounts.map((a) => a.externalId),
    ),
    text(
      'name',
      model.accounts.map((a) => a.name),
    ),
    text(
      'domain',
      model.accounts.map((a) => a.domain),
    ),
    text(
      'industry',
      model.accounts.map((a) => a.industry),
    ),
    { name: 'employee_count', type: 'integer', values: model.accounts.map((a) => a.employeeCount) },
    json(
      'traits',
      model.accounts.map((a) => a.traits),
    ),
    bool(
      'is_test',
      model.accounts.map((a) => a.isTest),
    ),
    text(
      'source',
      model.accounts.map(() => SOURCE),
    ),
    time(
      'created_at',
      model.accounts.map((a) => date(a.createdAt)),
    ),
    time(
      'last_seen_at',
      model.accounts.map((a) => date(a.lastSeenAt)),
    ),
    time(
      'deleted_at',
      model.accounts.map((a) => date(a.deletedAt)),
    ),
  ]);

  const userIds = await insertRows(manager, 'users', [
    text(
      'external_id',
      model.users.map((u) => u.externalId),
    ),
    text(
      'email',
      model.users.map((u) => u.email),
    ),
    text(
      'name',
      model.users.map((u) => u.name),
    ),
    json(
      'traits',
      model.users.map((u) => u.traits),
    ),
    bool(
      'is_test',
      model.users.map((u) => u.isTest),
    ),
    text(
      'source',
      model.users.map(() => SOURCE),
    ),
    time(
      'created_at',
      model.users.map((u) => date(u.createdAt)),
    ),
    time(
      'last_seen_at',
      model.users.map((u) => date(u.lastSeenAt)),
    ),
    time(
      'deleted_at',
      model.users.map((u) => date(u.deletedAt)),
    ),
  ]);

  await insertRows(manager, 'memberships', [
    id(
      'account_id',
      model.memberships.map((m) => accountIds[m.account]),
    ),
    id(
      'user_id',
      model.memberships.map((m) => userIds[m.user]),
    ),
    text(
      'role_code',
      model.memberships.map((m) => m.role),
    ),
    time(
      'joined_at',
      model.memberships.map((m) => date(m.joinedAt)),
    ),
    time(
      'left_at',
      model.memberships.map((m) => date(m.leftAt)),
    ),
    text(
      'source',
      model.memberships.map(() => SOURCE),
    ),
    time(
      'created_at',
      model.memberships.map((m) => date(m.joinedAt)),
    ),
  ]);

  const teamIds = await insertRows(manager, 'teams', [
    text(
      'external_id',
      model.teams.map((t) => t.externalId),
    ),
    id(
      'account_id',
      model.teams.map((t) => accountIds[t.account]),
    ),
    text(
      'name',
      model.teams.map((t) => t.name),
    ),
    text(
      'source',
      model.teams.map(() => SOURCE),
    ),
    time(
      'created_at',
      model.teams.map((t) => date(t.createdAt)),
    ),
  ]);

  const teamMembers = model.teams.flatMap((team, teamIndex) =>
    team.members.map((user) => ({
      team: teamIds[teamIndex],
      user: userIds[user],
      since: Math.max(team.createdAt, model.users[user].createdAt),
    })),
  );
  await insertRows(manager, 'team_members', [
    id(
      'team_id',
      teamMembers.map((m) => m.team),
    ),
    id(
      'user_id',
      teamMembers.map((m) => m.user),
    ),
    time(
      'created_at',
      teamMembers.map((m) => date(m.since)),
    ),
  ]);

  const subscriptions = model.subscriptions;
  const current = subscriptions.map(lastStep);
  const subscriptionIds = await insertRows(manager, 'subscriptions', [
    text(
      'external_id',
      subscriptions.map((s) => s.externalId),
    ),
    id(
      'account_id',
      subscriptions.map((s) => accountIds[s.account]),
    ),
    id(
      'plan_id',
      current.map((step) => planIds.get(step.plan)!),
    ),
    text(
      'status_code',
      current.map((step) => step.status),
    ),
    { name: 'seats', type: 'integer', values: current.map((step) => step.seats) },
    id(
      'mrr_minor',
      current.map((step) => step.mrrMinor),
    ),
    text(
      'currency',
      subscriptions.map(() => CURRENCY),
    ),
    time(
      'started_at',
      subscriptions.map((s) => date(s.steps[0].at)),
    ),
    time(
      'current_period_end',
      subscriptions.map((s) => date(periodEnd(s, calendar.now))),
    ),
    time(
      'canceled_at',
      subscriptions.map((s) => date(s.canceledAt)),
    ),
    time(
      'ended_at',
      subscriptions.map((s) => date(s.endedAt)),
    ),
    text(
      'source',
      subscriptions.map(() => SOURCE),
    ),
    time(
      'created_at',
      subscriptions.map((s) => date(s.steps[0].at)),
    ),
  ]);

  const history = subscriptions.flatMap((subscription, index) =>
    subscription.steps.map((step) => ({ step, subscription, id: subscriptionIds[index] })),
  );
  await insertRows(manager, 'subscription_history', [
    id(
      'subscription_id',
      history.map((h) => h.id),
    ),
    id(
      'account_id',
      history.map((h) => accountIds[h.subscription.account]),
    ),
    id(
      'plan_id',
      history.map((h) => planIds.get(h.step.plan)!),
    ),
    text(
      'status_code',
      history.map((h) => h.step.status),
    ),
    { name: 'seats', type: 'integer', values: history.map((h) => h.step.seats) },
    id(
      'mrr_minor',
      history.map((h) => h.step.mrrMinor),
    ),
    text(
      'currency',
      history.map(() => CURRENCY),
    ),
    time(
      'effective_at',
      history.map((h) => date(h.step.at)),
    ),
    // The demo world recorded each change when it happened.
    time(
      'recorded_at',
      history.map((h) => date(h.step.at)),
    ),
    text(
      'source',
      history.map(() => SOURCE),
    ),
  ]);

  return {
    plans: planIds.size,
    accounts: accountIds.length,
    users: userIds.length,
    memberships: model.memberships.length,
    teams: teamIds.length,
    teamMembers: teamMembers.length,
    subscriptions: subscriptionIds.length,
    historyRows: history.length,
  };
}

/** Creates the demo plans, or brings existing plans of the same codes to the demo prices. */
async function upsertPlans(manager: EntityManager): Promise<Map<string, string>> {
  const rows: Array<{ id: string; code: string }> = await manager.query(
    `INSERT INTO plans (code, name, "interval", price_minor, currency, is_paid, source)
     SELECT code, name, "interval", price_minor, $5, is_paid, $6
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $7::boolean[])
       AS p(code, name, "interval", price_minor, is_paid)
     ON CONFLICT (code) DO UPDATE SET
       name = EXCLUDED.name, "interval" = EXCLUDED."interval", price_minor = EXCLUDED.price_minor,
       currency = EXCLUDED.currency, is_paid = EXCLUDED.is_paid, source = EXCLUDED.source,
       deleted_at = NULL
     RETURNING id, code`,
    [
      DEMO_PLANS.map((p) => p.code),
      DEMO_PLANS.map((p) => p.name),
      DEMO_PLANS.map((p) => p.interval),
      DEMO_PLANS.map((p) => p.priceMinor),
      CURRENCY,
      SOURCE,
      DEMO_PLANS.map((p) => p.isPaid),
    ],
  );
  return new Map(rows.map((row) => [row.code, row.id]));
}

/** Inserts one row per array position, in order; returns the new ids in the same order. */
async function insertRows(
  manager: EntityManager,
  table: string,
  columns: readonly Column[],
): Promise<string[]> {
  const names = columns.map((column) => column.name);
  const arrays = columns.map((column, index) => `$${index + 1}::${column.type}[]`);
  const returning = columns.some((c) => c.name === 'external_id') ? 'RETURNING id' : '';
  const rows: Array<{ id: string }> = await manager.query(
    `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${names.join(', ')}
     FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS r (${names.join(', ')}, ord)
     ORDER BY ord
     ${returning}`,
    columns.map((column) => column.values),
  );
  return returning ? rows.map((row) => row.id) : [];
}

/**
 * The end of the billing period in force at `now`: a whole number of intervals after the billing
 * anchor; the trial end for a trial; the end for an ended subscription; none on the free plan.
 */
function periodEnd(subscription: DemoSubscription, now: ModelTime): ModelTime | null {
  if (subscription.endedAt !== null) return subscription.endedAt;
  if (subscription.trialEndsAt !== null) return subscription.trialEndsAt;
  const plan = PLAN_BY_CODE.get(lastStep(subscription).plan)!;
  if (!plan.isPaid) return null;
  const months = plan.interval === 'YEAR' ? 12 : 1;
  const periods = Math.floor((now - subscription.billingAnchor) / months) + 1;
  return subscription.billingAnchor + periods * months;
}

const text = (name: string, values: readonly unknown[]): Column => ({ name, type: 'text', values });
const bool = (name: string, values: readonly unknown[]): Column => ({
  name,
  type: 'boolean',
  values,
});
const id = (name: string, values: readonly unknown[]): Column => ({ name, type: 'bigint', values });
const time = (name: string, values: readonly unknown[]): Column => ({
  name,
  type: 'timestamptz',
  values,
});
const json = (name: string, values: readonly unknown[]): Column => ({
  name,
  type: 'jsonb',
  values: values.map((value) => JSON.stringify(value)),
});
