import type { SqlParams } from './sql-params';

/**
 * CTEs over subscription_history, shared by the revenue and usage compilers.
 *
 * `intervals`: each history row with the span it is in force, `[valid_from, valid_to)`, where
 * valid_to is the subscription's next row (ties broken by id, so a row followed by one at the
 * same instant is never in force). `counted` says whether it earns MRR: a revenue status and a
 * paid plan. Deleted subscriptions are out.
 */
export function intervalsCte(latestInstantSql: string, accountFilterSql = ''): string {
  return `intervals AS (
      SELECT h.subscription_id, h.account_id, h.plan_id, h.mrr_minor,
        h.effective_at AS valid_from,
        lead(h.effective_at) OVER (PARTITION BY h.subscription_id ORDER BY h.effective_at, h.id) AS valid_to,
        (st.counts_as_revenue AND coalesce(p.is_paid, false) AND h.mrr_minor > 0) AS counted,
        h.status_code
      FROM subscription_history h
      JOIN subscriptions s ON s.id = h.subscription_id AND s.deleted_at IS NULL
      JOIN subscription_statuses st ON st.code = h.status_code
      LEFT JOIN plans p ON p.id = h.plan_id
      WHERE h.effective_at <= ${latestInstantSql} ${accountFilterSql}
    )`;
}

/**
 * `instants(at)` from a parameter array, `subscription_mrr(at, account_id, plan_id, mrr_minor)`:
 * each paying subscription's MRR at each instant, and `account_mrr(at, account_id, mrr_minor)`.
 */
export function mrrAtInstantsCtes(
  params: SqlParams,
  instants: Date[],
  accountIds?: string[],
): string {
  const instantsSql = params.add(instants, 'timestamptz[]');
  // A batch of accounts (Account.metric) reads only their history rows.
  const accountFilter = accountIds
    ? `AND h.account_id = ANY(${params.add(accountIds, 'bigint[]')})`
    : '';
  return `instants AS (
      SELECT DISTINCT i.at FROM unnest(${instantsSql}) AS i(at)
    ),
    ${intervalsCte(`(SELECT max(at) FROM instants)`, accountFilter)},
    subscription_mrr AS (
      SELECT i.at, iv.account_id, iv.plan_id, iv.mrr_minor
      FROM instants i
      JOIN intervals iv ON iv.valid_from <= i.at AND (iv.valid_to IS NULL OR i.at < iv.valid_to)
      WHERE iv.counted
    ),
    account_mrr AS (
      SELECT at, account_id, sum(mrr_minor) AS mrr_minor FROM subscription_mrr GROUP BY at, account_id
    )`;
}

/**
 * `account_plan(account_id, plan_code)`: the plan of each account's largest subscription in
 * force (any status but CANCELED) at one instant; used by the `plan` dimension of usage and
 * event metrics.
 */
export function accountPlanCte(params: SqlParams, at: Date): string {
  const atSql = params.add(at, 'timestamptz');
  return `account_plan AS (
      SELECT DISTINCT ON (cur.account_id) cur.account_id, pl.code AS plan_code
      FROM (
        SELECT DISTINCT ON (h.subscription_id) h.subscription_id, h.account_id, h.plan_id,
          h.status_code, h.mrr_minor
        FROM subscription_history h
        JOIN subscriptions s ON s.id = h.subscription_id AND s.deleted_at IS NULL
        WHERE h.effective_at <= ${atSql}
        ORDER BY h.subscription_id, h.effective_at DESC, h.id DESC
      ) cur
      JOIN plans pl ON pl.id = cur.plan_id
      WHERE cur.status_code <> 'CANCELED'
      ORDER BY cur.account_id, cur.mrr_minor DESC, cur.subscription_id DESC
    )`;
}

/** `buckets(bucket, starts_at, ends_at)` from the request's bucket arrays. */
export function bucketsCte(params: SqlParams, buckets: Array<{ start: Date; end: Date }>): string {
  const starts = params.add(
    buckets.map((b) => b.start),
    'timestamptz[]',
  );
  const ends = params.add(
    buckets.map((b) => b.end),
    'timestamptz[]',
  );
  return `buckets AS (
      SELECT (b.i - 1)::int AS bucket, b.starts_at, b.ends_at
      FROM unnest(${starts}, ${ends}) WITH ORDINALITY AS b(starts_at, ends_at, i)
    )`;
}
