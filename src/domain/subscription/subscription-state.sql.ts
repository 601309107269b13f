/**
 * The one home of two business rules, as SQL over `subscription_history` (docs/metrics.md,
 * "Revenue" and "The account's plan"):
 *
 * - a subscription's **MRR at an instant**: the `mrr_minor` of its row in force then, counted
 *   when that row's status counts as revenue and its plan is paid;
 * - an account's **plan at an instant**: the plan of its subscription in force then (any status
 *   but CANCELED, with a plan) that has the largest MRR; ties go to the newest subscription.
 *
 * `Account.mrr`, `Account.plan`, `accounts(filter: {planCode})` and every metric compile these
 * builders, so they cannot disagree. Nothing here binds values: callers pass SQL for instants
 * (a bound parameter, `now()`) and for account filters.
 */

/**
 * Each history row with the span it is in force, `[valid_from, valid_to)`: valid_to is the
 * subscription's next row (ties by id, so a row followed by one at the same instant is never
 * in force). `counted`: the row earns MRR. Deleted subscriptions are out. Rows after
 * `latestInstantSql` are not read: no instant asked about can see them.
 */
export function subscriptionIntervalsSql(latestInstantSql: string, accountFilterSql = ''): string {
  return `SELECT h.subscription_id, h.account_id, h.plan_id, h.mrr_minor, h.currency,
        s.started_at, h.status_code, h.effective_at AS valid_from,
        lead(h.effective_at) OVER (PARTITION BY h.subscription_id ORDER BY h.effective_at, h.id) AS valid_to,
        (st.counts_as_revenue AND coalesce(p.is_paid, false) AND h.mrr_minor > 0) AS counted
      FROM subscription_history h
      JOIN subscriptions s ON s.id = h.subscription_id AND s.deleted_at IS NULL
      JOIN subscription_statuses st ON st.code = h.status_code
      LEFT JOIN plans p ON p.id = h.plan_id
      WHERE h.effective_at <= ${latestInstantSql} ${accountFilterSql}`;
}

/** Interval `iv` is in force at instant `i.at`. */
const IN_FORCE = 'iv.valid_from <= i.at AND (iv.valid_to IS NULL OR i.at < iv.valid_to)';

/**
 * `(at, subscription_id, account_id, plan_id, mrr_minor, currency)`: each paying subscription's
 * MRR at each instant. `instants` and `intervals` are relations (CTE names or subqueries).
 */
export function subscriptionMrrSql(instants: string, intervals: string): string {
  return `SELECT i.at, iv.subscription_id, iv.account_id, iv.plan_id, iv.mrr_minor, iv.currency
      FROM ${instants} i
      JOIN ${intervals} iv ON ${IN_FORCE}
      WHERE iv.counted`;
}

/**
 * `(at, account_id, mrr_minor, min_currency, max_currency)` from a subscription_mrr relation:
 * an account's MRR is the sum of its subscriptions'; min/max currency tell a caller that it
 * added amounts in different currencies (which it must refuse, not report).
 */
export function accountMrrSql(subscriptionMrr: string): string {
  return `SELECT sm.at, sm.account_id, sum(sm.mrr_minor) AS mrr_minor,
        min(sm.currency) AS min_currency, max(sm.currency) AS max_currency
      FROM ${subscriptionMrr} sm GROUP BY sm.at, sm.account_id`;
}

/** `(at, account_id, plan_id, plan_code)`: each account's plan at each instant (rule above). */
export function accountPlanSql(instants: string, intervals: string): string {
  return `SELECT DISTINCT ON (i.at, iv.account_id) i.at, iv.account_id, iv.plan_id, p.code AS plan_code
      FROM ${instants} i
      JOIN ${intervals} iv ON ${IN_FORCE}
      JOIN plans p ON p.id = iv.plan_id
      WHERE iv.status_code <> 'CANCELED'
      ORDER BY i.at, iv.account_id, iv.mrr_minor DESC, iv.started_at DESC, iv.subscription_id DESC`;
}

/** Each account's plan at one instant, as a subquery over only the rows it needs. */
export function accountPlanAtSql(atSql: string, accountFilterSql = ''): string {
  return accountPlanSql(
    `(SELECT ${atSql} AS at)`,
    `(${subscriptionIntervalsSql(atSql, accountFilterSql)})`,
  );
}

/** Each account's MRR at one instant (accounts paying nothing have no row). */
export function accountMrrAtSql(atSql: string, accountFilterSql = ''): string {
  return accountMrrSql(
    `(${subscriptionMrrSql(`(SELECT ${atSql} AS at)`, `(${subscriptionIntervalsSql(atSql, accountFilterSql)})`)})`,
  );
}
