import type { Queryable } from '../change-feed';

/**
 * A reference computation of the view columns for every account, from scratch, one SQL
 * statement per column, written independently of the incremental path (each subscription's
 * latest history row at an instant by a lateral lookup instead of the interval windows; active
 * users from raw events instead of the rollups). The benchmark times it against the daily
 * re-evaluation; tests compare the maintained views with it.
 */
export const FROM_SCRATCH_COLUMNS: Record<string, string> = {
  plan_code: `
    SELECT DISTINCT ON (s.account_id) s.account_id::text AS account_id, p.code AS value
    FROM subscriptions s
    JOIN LATERAL (SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
                  AND h.effective_at <= $1 ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) h ON true
    JOIN plans p ON p.id = h.plan_id
    WHERE s.deleted_at IS NULL AND h.status_code <> 'CANCELED'
    ORDER BY s.account_id, h.mrr_minor DESC, s.started_at DESC, s.id DESC`,
  mrr_minor: `
    SELECT s.account_id::text AS account_id, sum(h.mrr_minor)::text AS value
    FROM subscriptions s
    JOIN LATERAL (SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
                  AND h.effective_at <= $1 ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) h ON true
    JOIN subscription_statuses st ON st.code = h.status_code AND st.counts_as_revenue
    JOIN plans p ON p.id = h.plan_id AND p.is_paid
    WHERE s.deleted_at IS NULL AND h.mrr_minor > 0
    GROUP BY s.account_id`,
  seats: `
    SELECT account_id::text AS account_id, sum(coalesce(seats, 0))::int AS value
    FROM subscriptions
    WHERE deleted_at IS NULL AND status_code <> 'CANCELED' AND started_at <= $1
      AND (ended_at IS NULL OR ended_at > $1)
    GROUP BY account_id`,
  active_users_30d: `
    SELECT e.account_id::text AS account_id, count(DISTINCT e.user_id)::int AS value
    FROM events e
    JOIN users u ON u.id = e.user_id AND NOT u.is_test AND u.deleted_at IS NULL
    JOIN accounts a ON a.id = e.account_id AND NOT a.is_test AND a.deleted_at IS NULL
    WHERE e.occurred_at >= date_trunc('day', $1 AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '29 days'
      AND e.occurred_at < date_trunc('day', $1 AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day'
    GROUP BY e.account_id`,
  last_seen_at: `SELECT id::text AS account_id, last_seen_at AS value FROM accounts`,
  lifetime_revenue_minor: `
    WITH months AS (
      SELECT m AT TIME ZONE 'UTC' AS at
      FROM generate_series(
        date_trunc('month', (SELECT min(effective_at) FROM subscription_history) AT TIME ZONE 'UTC'),
        $1 AT TIME ZONE 'UTC', interval '1 month') AS m
    )
    SELECT s.account_id::text AS account_id, sum(h.mrr_minor)::text AS value
    FROM months m
    CROSS JOIN subscriptions s
    JOIN LATERAL (SELECT * FROM subscription_history h WHERE h.subscription_id = s.id
                  AND h.effective_at <= m.at ORDER BY h.effective_at DESC, h.id DESC LIMIT 1) h ON true
    JOIN subscription_statuses st ON st.code = h.status_code AND st.counts_as_revenue
    JOIN plans p ON p.id = h.plan_id AND p.is_paid
    WHERE s.deleted_at IS NULL AND h.mrr_minor > 0
    GROUP BY s.account_id`,
};

export type FromScratchViews = Map<string, Record<string, unknown>>;

/** Runs each column's statement; returns values per account and each statement's time in ms. */
export async function computeViewsFromScratch(
  db: Queryable,
  at: Date,
): Promise<{ views: FromScratchViews; timings: Record<string, number> }> {
  const views: FromScratchViews = new Map();
  const timings: Record<string, number> = {};
  for (const [column, sql] of Object.entries(FROM_SCRATCH_COLUMNS)) {
    const started = process.hrtime.bigint();
    const rows: Array<{ account_id: string; value: unknown }> = await db.query(
      sql,
      column === 'last_seen_at' ? [] : [at],
    );
    timings[column] = Number(process.hrtime.bigint() - started) / 1e6;
    for (const row of rows) {
      const view = views.get(row.account_id) ?? {};
      view[column] = row.value;
      views.set(row.account_id, view);
    }
  }
  return { views, timings };
}
