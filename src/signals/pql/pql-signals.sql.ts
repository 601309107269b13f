import type { Queryable } from '../change-feed';
import type { BuiltinSignal } from './score-definition';

/** A signal's value per account id (accounts without data are left out: they are 0). */
export type SignalValues = Map<string, number>;

type Window = { from: Date; to: Date };

/** Users that count: not test, not deleted (as in every metric). */
const COUNTED_USER = `JOIN users u ON u.id = x.user_id AND NOT u.is_test AND u.deleted_at IS NULL`;

/** Each built-in signal as one statement over a batch of accounts. */
const BUILTIN_SQL: Record<BuiltinSignal, string> = {
  // Distinct administrators (current members with the ADMINISTRATOR role) active in the window.
  admin_active_users: `
    SELECT x.account_id::text AS account_id, count(DISTINCT x.user_id)::float8 AS value
    FROM user_activity_daily x
    ${COUNTED_USER}
    JOIN memberships m ON m.account_id = x.account_id AND m.user_id = x.user_id
      AND m.role_code = 'ADMINISTRATOR' AND m.left_at IS NULL AND m.deleted_at IS NULL
    WHERE x.account_id = ANY($1::bigint[])
      AND x.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND x.day < ($3::timestamptz AT TIME ZONE 'UTC')::date
    GROUP BY x.account_id`,
  // Current members / seats of the subscriptions in force at the window's end (0 without seats).
  seat_utilisation: `
    WITH seats AS (
      SELECT s.account_id, sum(s.seats) AS bought
      FROM subscriptions s
      WHERE s.account_id = ANY($1::bigint[]) AND s.deleted_at IS NULL
        AND s.status_code IN ('ACTIVE', 'PAST_DUE', 'TRIALING')
        AND s.started_at < $3 AND (s.ended_at IS NULL OR s.ended_at >= $3) AND s.seats > 0
      GROUP BY s.account_id
    ),
    members AS (
      SELECT x.account_id, count(DISTINCT x.user_id) AS used
      FROM memberships x
      ${COUNTED_USER}
      WHERE x.account_id = ANY($1::bigint[]) AND x.left_at IS NULL AND x.deleted_at IS NULL
        AND $2::timestamptz IS NOT NULL
      GROUP BY x.account_id
    )
    SELECT seats.account_id::text AS account_id, (coalesce(members.used, 0)::float8 / seats.bought) AS value
    FROM seats LEFT JOIN members ON members.account_id = seats.account_id`,
};

/** A built-in signal for a batch of accounts: one statement. */
export async function builtinSignalValues(
  db: Queryable,
  signal: BuiltinSignal,
  accountIds: readonly string[],
  window: Window,
): Promise<SignalValues> {
  const rows: Array<{ account_id: string; value: number }> = await db.query(BUILTIN_SQL[signal], [
    accountIds,
    window.from,
    window.to,
  ]);
  return new Map(rows.map((r) => [r.account_id, Number(r.value)]));
}

/**
 * Events of one key (or any old alias of it) per account in the window, from the daily rollup.
 * An event nobody sent yet has no definition: every account counts 0.
 */
export async function eventCountValues(
  db: Queryable,
  eventKey: string,
  accountIds: readonly string[],
  window: Window,
): Promise<SignalValues> {
  const rows: Array<{ account_id: string; value: number }> = await db.query(
    `SELECT e.account_id::text AS account_id, sum(e.event_count)::float8 AS value
     FROM event_counts_daily e
     WHERE e.definition_id = (SELECT definition_id FROM event_definition_aliases WHERE alias = $4)
       AND e.account_id = ANY($1::bigint[])
       AND e.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
       AND e.day < ($3::timestamptz AT TIME ZONE 'UTC')::date
     GROUP BY e.account_id`,
    [accountIds, window.from, window.to, eventKey],
  );
  return new Map(rows.map((r) => [r.account_id, Number(r.value)]));
}
