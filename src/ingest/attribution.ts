import type { RollupDeltas } from './rollups';
import type { Sql } from './sql';

export type AttributedEvent = {
  userId: string;
  accountId: string | null;
  occurredAt: Date;
};

/**
 * Gives the earlier events of newly linked anonymous ids their user (and, when they had no
 * account, the user's only account), and moves their rollup counts along. Returns the moved
 * events so last-seen times can follow.
 */
export async function attributeAnonymousEvents(
  sql: Sql,
  newlyLinked: Map<string, string>,
  soleAccountByUserId: Map<string, string>,
  deltas: RollupDeltas,
): Promise<AttributedEvent[]> {
  if (newlyLinked.size === 0) return [];
  const anonymousIds = [...newlyLinked.keys()].sort();
  const userIds = anonymousIds.map((id) => newlyLinked.get(id)!);
  const rows = await sql<{
    definition_id: string;
    user_id: string;
    account_id: string | null;
    old_account_id: string | null;
    occurred_at: Date;
  }>(
    `WITH links AS (
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
         AS l(anonymous_id, user_id, sole_account_id)
     ),
     target AS (
       SELECT e.id, e.occurred_at, e.account_id AS old_account_id
       FROM events e JOIN links l ON l.anonymous_id = e.anonymous_id
       WHERE e.user_id IS NULL
       ORDER BY e.id
       FOR UPDATE OF e
     ),
     moved AS (
       UPDATE events e
       SET user_id = l.user_id, account_id = coalesce(e.account_id, l.sole_account_id)
       FROM target t, links l
       WHERE e.id = t.id AND e.occurred_at = t.occurred_at AND l.anonymous_id = e.anonymous_id
       RETURNING e.definition_id, e.user_id, e.account_id, t.old_account_id, e.occurred_at
     )
     -- A CTE so TypeORM hands back rows (it returns [rows, count] for a bare UPDATE).
     SELECT * FROM moved`,
    [anonymousIds, userIds, userIds.map((id) => soleAccountByUserId.get(id) ?? null)],
  );
  return rows.map((row) => {
    const after = {
      definitionId: String(row.definition_id),
      userId: String(row.user_id),
      accountId: row.account_id == null ? null : String(row.account_id),
      occurredAt: new Date(row.occurred_at),
    };
    deltas.attribute(
      { accountId: row.old_account_id == null ? null : String(row.old_account_id) },
      after,
    );
    return after;
  });
}
