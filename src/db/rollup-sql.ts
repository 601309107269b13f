/**
 * The one home of the activity rollups' SQL: how rows are added to `event_counts_daily`,
 * `user_activity_daily` and `user_activity_monthly` (UTC days and months, account 0 = none).
 * Ingestion adds its batch's deltas (`src/ingest/rollups.ts`), the bulk loader its staged
 * events (`src/demo/bulk-events.ts`) and the rebuild all events (`src/metrics/rollup-rebuild.ts`),
 * each through these builders, so the three cannot count differently. Builders take the rows
 * to add as SQL (`SELECT …` or `unnest(…)`) in primary-key order; none binds values.
 */

/** Adds `(definition_id, day, account_id, event_count)` rows to the daily event counts. */
export function addEventCountsSql(rows: string): string {
  return `INSERT INTO event_counts_daily (definition_id, day, account_id, event_count)
       ${rows}
       ON CONFLICT (definition_id, day, account_id)
       DO UPDATE SET event_count = event_counts_daily.event_count + EXCLUDED.event_count`;
}

/**
 * Adds `(day, account_id, user_id, event_count, first_at, last_at)` rows to the daily user
 * activity; with `returnCreated`, returns each key with `created` (the row is new: its month
 * may be new too), for monthRowsFromDaily.
 */
export function addUserActivityDailySql(rows: string, options: { returnCreated?: boolean } = {}) {
  const returning = options.returnCreated
    ? `
       -- xmax is 0 only on a row version this statement inserted.
       RETURNING day, account_id, user_id, xmax = 0 AS created`
    : '';
  return `INSERT INTO user_activity_daily (day, account_id, user_id, event_count, first_at, last_at)
       ${rows}
       ON CONFLICT (day, account_id, user_id) DO UPDATE SET
         event_count = user_activity_daily.event_count + EXCLUDED.event_count,
         first_at = least(user_activity_daily.first_at, EXCLUDED.first_at),
         last_at = greatest(user_activity_daily.last_at, EXCLUDED.last_at)${returning}`;
}

/** Adds `(month, account_id, user_id)` rows to the monthly presence rollup. */
export function addUserActivityMonthlySql(rows: string): string {
  return `INSERT INTO user_activity_monthly (month, account_id, user_id)
       ${rows}
       -- Already there (another batch's day in the same month): nothing written, no row locked.
       ON CONFLICT (month, account_id, user_id) DO NOTHING`;
}

/** Event-count rows from a relation shaped like `events`, in primary-key order. */
export function eventCountRowsFrom(events: string): string {
  return `SELECT definition_id, (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), count(*)
       FROM ${events} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
}

/** Daily user-activity rows from a relation shaped like `events`, in primary-key order. */
export function userActivityRowsFrom(events: string): string {
  return `SELECT (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), user_id, count(*),
         min(occurred_at), max(occurred_at)
       FROM ${events} WHERE user_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
}

/** Monthly presence rows from a relation shaped like `events`, in primary-key order. */
export function monthRowsFrom(events: string): string {
  return `SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date,
         coalesce(account_id, 0), user_id
       FROM ${events} WHERE user_id IS NOT NULL ORDER BY 1, 2, 3`;
}

/**
 * Monthly presence rows from daily rows. Ingestion passes only the daily rows its statement
 * created (`WHERE created`): a daily row that was already there was written together with its
 * month, so checking the month again would cost an index probe and change nothing.
 */
export function monthRowsFromDaily(daily: string, where = ''): string {
  return `SELECT DISTINCT date_trunc('month', day::timestamp)::date, account_id, user_id FROM ${daily}
       ${where ? `${where} ` : ''}ORDER BY 1, 2, 3`;
}
