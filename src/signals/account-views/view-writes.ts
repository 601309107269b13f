import type { Queryable } from '../change-feed';

/** A view's values as the refresher computed them (money in minor units). */
export type ViewRow = {
  account_id: string;
  cause: string;
  plan_code: string | null;
  mrr_minor: string | null;
  currency: string | null;
  seats: number;
  active_users_30d: number;
  last_seen_at: string | null;
  health_score: number | null;
  pql_score: number | null;
  segments: string[];
  lifetime_revenue_minor: string | null;
  is_test: boolean;
  is_deleted: boolean;
};

/** Each field of a view as recorded in a change: the public name and the SQL of its value. */
const FIELDS: Array<[name: string, value: (row: string) => string]> = [
  ['plan', (r) => `to_jsonb(${r}.plan_code)`],
  ['mrr', (r) => `to_jsonb(round(${r}.mrr_minor::numeric / 100, 2))`],
  ['currency', (r) => `to_jsonb(${r}.currency::text)`],
  ['seats', (r) => `to_jsonb(${r}.seats)`],
  ['activeUsers30d', (r) => `to_jsonb(${r}.active_users_30d)`],
  ['lastSeenAt', (r) => `to_jsonb(${r}.last_seen_at)`],
  ['healthScore', (r) => `to_jsonb(${r}.health_score)`],
  ['pqlScore', (r) => `to_jsonb(${r}.pql_score)`],
  ['segments', (r) => `to_jsonb(${r}.segments)`],
  ['lifetimeRevenue', (r) => `to_jsonb(round(${r}.lifetime_revenue_minor::numeric / 100, 2))`],
  ['isTest', (r) => `to_jsonb(${r}.is_test)`],
  ['isDeleted', (r) => `to_jsonb(${r}.is_deleted)`],
];

const COLUMNS = [
  'plan_code',
  'mrr_minor',
  'currency',
  'seats',
  'active_users_30d',
  'last_seen_at',
  'health_score',
  'pql_score',
  'segments',
  'lifetime_revenue_minor',
  'is_test',
  'is_deleted',
];

/**
 * Writes the views whose values differ from the stored ones and records one change per view
 * (the fields that changed, old and new), in one statement for the whole set. A view whose
 * values are all equal is not written: nothing moves. Returns the number of changed views.
 */
export async function writeViews(tx: Queryable, rows: readonly ViewRow[]): Promise<number> {
  if (!rows.length) return 0;
  const changeList = FIELDS.map(
    ([name, value]) => `('${name}', ${value('o')}, ${value('i')})`,
  ).join(',\n        ');
  const [result]: Array<{ changed: number }> = await tx.query(
    `WITH incoming AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
         account_id bigint, cause text, plan_code text, mrr_minor bigint, currency char(3),
         seats integer, active_users_30d integer, last_seen_at timestamptz, health_score numeric,
         pql_score numeric, segments text[], lifetime_revenue_minor bigint, is_test boolean,
         is_deleted boolean)
     ),
     diff AS (
       SELECT i.*, o.account_id IS NULL AS created,
         (SELECT jsonb_object_agg(f.field, jsonb_build_object('old', f.old, 'new', f.new))
          FROM (VALUES
        ${changeList}
          ) AS f(field, old, new) WHERE f.old IS DISTINCT FROM f.new) AS changes
       FROM incoming i LEFT JOIN account_views o ON o.account_id = i.account_id
     ),
     changed AS (SELECT * FROM diff WHERE changes IS NOT NULL OR created),
     written AS (
       INSERT INTO account_views (account_id, ${COLUMNS.join(', ')})
       SELECT account_id, ${COLUMNS.join(', ')} FROM changed
       ON CONFLICT (account_id) DO UPDATE SET
         ${COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
         updated_at = clock_timestamp()
     ),
     recorded AS (
       INSERT INTO change_feed (topic, account_id, cause, changes)
       SELECT 'account_view', account_id, CASE WHEN created THEN 'CREATED' ELSE cause END,
              coalesce(changes, '{}')
       FROM changed ORDER BY account_id
     )
     SELECT count(*)::int AS changed FROM changed`,
    [JSON.stringify(rows)],
  );
  return result.changed;
}

/**
 * Sets each view's `change_seq` to the number its newest change got from the sequencer run
 * that numbered changes after `previousSeq`.
 */
export async function stampViewSequences(tx: Queryable, previousSeq: string): Promise<void> {
  await tx.query(
    `UPDATE account_views v SET change_seq = c.seq
     FROM (SELECT account_id, max(seq) AS seq FROM change_feed
           WHERE seq > $1::bigint AND topic = 'account_view' GROUP BY account_id) c
     WHERE v.account_id = c.account_id`,
    [previousSeq],
  );
}

/**
 * Replaces the segment memberships of the evaluated accounts by `members` (pairs of segment and
 * account), recording each entry and exit on the change feed with the account's cause.
 * Returns how many entries and exits were recorded.
 */
export async function writeMemberships(
  tx: Queryable,
  evaluated: ReadonlyArray<{ accountId: string; cause: string }>,
  members: ReadonlyArray<{ segment: string; accountId: string }>,
): Promise<number> {
  if (!evaluated.length) return 0;
  const [result]: Array<{ recorded: number }> = await tx.query(
    `WITH causes AS (
       SELECT * FROM unnest($1::bigint[], $2::text[]) AS c(account_id, cause)
     ),
     incoming AS (
       SELECT * FROM unnest($3::text[], $4::bigint[]) AS m(segment, account_id)
     ),
     exited AS (
       DELETE FROM segment_members m WHERE m.account_id = ANY($1::bigint[])
         AND NOT EXISTS (SELECT 1 FROM incoming i
                         WHERE i.segment = m.segment AND i.account_id = m.account_id)
       RETURNING m.segment, m.account_id
     ),
     entered AS (
       INSERT INTO segment_members (segment, account_id)
       SELECT segment, account_id FROM incoming ORDER BY segment, account_id
       ON CONFLICT DO NOTHING
       RETURNING segment, account_id
     ),
     moves AS (
       SELECT segment, account_id, true AS entered FROM entered
       UNION ALL SELECT segment, account_id, false FROM exited
     ),
     recorded AS (
       INSERT INTO change_feed (topic, account_id, subject, cause, changes)
       SELECT 'segment_membership', x.account_id, x.segment, c.cause,
              jsonb_build_object('member', jsonb_build_object('old', NOT x.entered, 'new', x.entered))
       FROM moves x JOIN causes c USING (account_id)
       ORDER BY x.account_id, x.segment
     )
     SELECT count(*)::int AS recorded FROM moves`,
    [
      evaluated.map((e) => e.accountId),
      evaluated.map((e) => e.cause),
      members.map((m) => m.segment),
      members.map((m) => m.accountId),
    ],
  );
  return result.recorded;
}
