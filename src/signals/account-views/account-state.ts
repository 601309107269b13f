import {
  accountMrrAtSql,
  accountPlanAtSql,
  subscriptionIntervalsSql,
  subscriptionMrrSql,
} from '../../domain/subscription';
import type { Queryable } from '../change-feed';
import type { AccountFacts } from '../segments/segment-rules';

/** One account's facts at an instant, before metrics: one SQL statement for a set of accounts. */
export type AccountState = AccountFacts & {
  accountId: string;
  /** MRR now in minor units; null when the account pays in several currencies. */
  mrrMinor: string | null;
  currency: string | null;
  lifetimeRevenueMinor: string | null;
  lastSeenAt: Date | null;
};

/**
 * Lifetime revenue: the sum, over every UTC calendar month whose first day is at or before
 * `at`, of the account's MRR on that first day (the MRR rule of src/domain/subscription). The
 * current month counts once its first day has passed; amounts in several currencies make it
 * null, as MRR does.
 */
export function accountStateSql(): string {
  const at = '$2::timestamptz';
  const ids = 'AND h.account_id = ANY($1::bigint[])';
  return `WITH iv AS (${subscriptionIntervalsSql(at, ids)}),
    now_mrr AS (${accountMrrAtSql(at, ids)}),
    now_plan AS (${accountPlanAtSql(at, ids)}),
    first_paid AS (
      SELECT account_id, min(valid_from) AS first_paid_at FROM iv WHERE counted GROUP BY account_id
    ),
    months AS (
      SELECT m AT TIME ZONE 'UTC' AS at
      FROM generate_series(
        date_trunc('month', (SELECT min(first_paid_at) FROM first_paid) AT TIME ZONE 'UTC'),
        ${at} AT TIME ZONE 'UTC', interval '1 month') AS m
    ),
    lifetime AS (
      SELECT sm.account_id, sum(sm.mrr_minor) AS total,
             min(sm.currency) AS min_currency, max(sm.currency) AS max_currency
      FROM (${subscriptionMrrSql('months', 'iv')}) sm GROUP BY sm.account_id
    ),
    seats AS (
      SELECT account_id, sum(coalesce(seats, 0))::int AS seats FROM subscriptions
      WHERE account_id = ANY($1::bigint[]) AND deleted_at IS NULL AND status_code <> 'CANCELED'
        AND started_at <= ${at} AND (ended_at IS NULL OR ended_at > ${at})
      GROUP BY account_id
    )
    SELECT a.id::text AS account_id, a.name, a.domain, a.industry, a.employee_count, a.traits,
      a.is_test, a.deleted_at IS NOT NULL AS is_deleted, a.created_at, a.last_seen_at,
      np.plan_code,
      CASE WHEN nm.min_currency IS DISTINCT FROM nm.max_currency THEN NULL
           ELSE coalesce(nm.mrr_minor, 0) END::text AS mrr_minor,
      CASE WHEN nm.min_currency = nm.max_currency THEN trim(nm.min_currency) END AS currency,
      CASE WHEN lt.min_currency IS DISTINCT FROM lt.max_currency THEN NULL
           ELSE coalesce(lt.total, 0) END::text AS lifetime_revenue_minor,
      fp.first_paid_at, coalesce(se.seats, 0) AS seats
    FROM accounts a
    LEFT JOIN now_mrr nm ON nm.account_id = a.id
    LEFT JOIN now_plan np ON np.account_id = a.id
    LEFT JOIN first_paid fp ON fp.account_id = a.id
    LEFT JOIN lifetime lt ON lt.account_id = a.id
    LEFT JOIN seats se ON se.account_id = a.id
    WHERE a.id = ANY($1::bigint[])`;
}

type StateRow = {
  account_id: string;
  name: string | null;
  domain: string | null;
  industry: string | null;
  employee_count: number | null;
  traits: Record<string, unknown>;
  is_test: boolean;
  is_deleted: boolean;
  created_at: Date;
  last_seen_at: Date | null;
  plan_code: string | null;
  mrr_minor: string | null;
  currency: string | null;
  lifetime_revenue_minor: string | null;
  first_paid_at: Date | null;
  seats: number;
};

/** The facts of the given accounts at `at` (accounts that do not exist are left out). */
export async function loadAccountStates(
  db: Queryable,
  accountIds: readonly string[],
  at: Date,
): Promise<AccountState[]> {
  if (!accountIds.length) return [];
  const rows: StateRow[] = await db.query(accountStateSql(), [accountIds, at]);
  return rows.map((row) => ({
    accountId: row.account_id,
    name: row.name,
    domain: row.domain,
    industry: row.industry,
    employeeCount: row.employee_count,
    traits: row.traits,
    isTest: row.is_test,
    isDeleted: row.is_deleted,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    plan: row.plan_code,
    mrrMinor: row.mrr_minor,
    mrr: row.mrr_minor === null ? null : Number(row.mrr_minor) / 100,
    currency: row.currency,
    lifetimeRevenueMinor: row.lifetime_revenue_minor,
    lifetimeRevenue:
      row.lifetime_revenue_minor === null ? null : Number(row.lifetime_revenue_minor) / 100,
    firstPaidAt: row.first_paid_at,
    seats: row.seats,
  }));
}
