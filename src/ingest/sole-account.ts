import type { AttributedEvent } from './attribution';
import { CombinedStatement } from './combined-statement';
import { addEntityWrites, type EntityChange } from './entity-updates';
import { addRollupWrites, emptiedCountsStatement, RollupDeltas } from './rollups';
import { sortedIds, sqlLiteral, type Sql } from './sql';

/*
 * An event without `context.groupId` belongs to its user's only account. A user with no account
 * yet gets one later (a group call, an identify with context.groupId, upsertMembership): the
 * transaction that creates the membership gives that account to the user's events stored
 * without one, if it is then the user's only account. Both sides take an advisory lock per user
 * (bucket), so a batch storing such events and a transaction creating the membership never miss
 * each other, whichever commits first. See docs/ingestion.md.
 */

/**
 * Lock buckets: users share one by id modulo this. A bounded number of locks per transaction
 * (PostgreSQL's lock table is shared and small); a collision only makes two batches wait.
 */
const LOCK_BUCKETS = 256n;

type Membership = { count: number; accountId: string };

/** For each user with a current membership: how many, and the (smallest) account id. */
async function membershipsOf(sql: Sql, userIds: string[]): Promise<Map<string, Membership>> {
  if (userIds.length === 0) return new Map();
  const rows = await sql<{ user_id: string; n: number; account_id: string }>(
    `SELECT user_id, count(*)::int AS n, min(account_id) AS account_id FROM memberships
     WHERE user_id = ANY($1::bigint[]) AND deleted_at IS NULL AND left_at IS NULL
     GROUP BY user_id`,
    [userIds],
  );
  return new Map(
    rows.map((row) => [String(row.user_id), { count: row.n, accountId: String(row.account_id) }]),
  );
}

/**
 * Takes the transaction's sole-account locks in bucket order: exclusive for users whose
 * membership it created (it will attribute their earlier events), shared for users it stores
 * events for while they have no account (a membership created meanwhile must see those events).
 */
async function lockBuckets(sql: Sql, exclusive: string[], shared: string[]): Promise<void> {
  const buckets = new Map<number, boolean>();
  for (const id of shared) buckets.set(Number(BigInt(id) % LOCK_BUCKETS), false);
  for (const id of exclusive) buckets.set(Number(BigInt(id) % LOCK_BUCKETS), true);
  if (buckets.size === 0) return;
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  // unnest hands rows over in array order, so the locks are taken in bucket order.
  await sql(
    `SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(hashtext('harmony.sole-account'), b)
                  ELSE pg_advisory_xact_lock_shared(hashtext('harmony.sole-account'), b) END)
     FROM unnest($1::int[], $2::boolean[]) AS l(b, x)`,
    [sorted.map(([bucket]) => bucket), sorted.map(([, exclusively]) => exclusively)],
  );
}

/**
 * User id → the user's only account, for the users a batch stores events for, after taking the
 * sole-account locks (see above). `joined` are the users the batch gave a new membership: call
 * `attributeToSoleAccount` for them afterwards, in the same transaction.
 */
export async function soleAccountsLocked(
  sql: Sql,
  userIds: Iterable<string | null>,
  joined: Iterable<string>,
): Promise<Map<string, string>> {
  const ids = sortedIds(userIds);
  const memberships = await membershipsOf(sql, ids);
  const withoutAccount = ids.filter((id) => !memberships.has(id));
  const joinedIds = sortedIds(joined);
  if (withoutAccount.length || joinedIds.length) {
    await lockBuckets(sql, joinedIds, withoutAccount);
    // Read again under the lock (a new statement, a new snapshot): a membership committed
    // meanwhile is seen here, or will see this batch's events when it attributes them.
    for (const [id, membership] of await membershipsOf(sql, withoutAccount))
      memberships.set(id, membership);
  }
  const sole = new Map<string, string>();
  for (const [id, { count, accountId }] of memberships) if (count === 1) sole.set(id, accountId);
  return sole;
}

/**
 * For memberships written outside ingestion (the API), in the caller's transaction, after the
 * memberships are written: the users' events without an account get the user's only account,
 * with their rollups and the account's last-seen time.
 */
export async function attributeToJoinedAccounts(
  sql: Sql,
  userIds: Iterable<string>,
): Promise<void> {
  const ids = sortedIds(userIds);
  if (ids.length === 0) return;
  await lockBuckets(sql, ids, []);
  const deltas = new RollupDeltas();
  const { moved, emptiedActivity } = await attributeToSoleAccount(sql, ids, deltas);
  if (moved.length === 0) return;
  const statement = new CombinedStatement();
  addRollupWrites(statement, deltas);
  const accounts = new Map<string, EntityChange>();
  for (const { accountId, occurredAt } of moved) {
    const seenAt = accounts.get(accountId!)?.seenAt;
    if (!seenAt || seenAt < occurredAt)
      accounts.set(accountId!, { columns: {}, seenAt: occurredAt });
  }
  addEntityWrites(statement, 'accounts', accounts);
  for (const text of [statement.text(), emptiedCountsStatement(deltas), emptiedActivity])
    if (text) await sql(text);
}

/**
 * Gives the users' events that have no account their only account (users with none or several
 * are left alone), and moves the rollups: counts through `deltas`, while the users' "no account"
 * activity rows, now without events, are removed by the returned statement (run it after the
 * rollup writes). The caller holds the users' exclusive lock.
 */
export async function attributeToSoleAccount(
  sql: Sql,
  userIds: Iterable<string>,
  deltas: RollupDeltas,
): Promise<{ moved: AttributedEvent[]; emptiedActivity: string | null }> {
  const ids = sortedIds(userIds);
  if (ids.length === 0) return { moved: [], emptiedActivity: null };
  const rows = await sql<{
    definition_id: string;
    user_id: string;
    account_id: string;
    occurred_at: Date;
  }>(
    `WITH sole AS (
       SELECT user_id, min(account_id) AS account_id FROM memberships
       WHERE user_id = ANY($1::bigint[]) AND deleted_at IS NULL AND left_at IS NULL
       GROUP BY user_id HAVING count(*) = 1
     ),
     target AS (
       -- From sole: users with several accounts cost no scan of their events.
       SELECT e.id, e.occurred_at, s.account_id FROM sole s JOIN events e ON e.user_id = s.user_id
       WHERE e.account_id IS NULL
       ORDER BY e.id
       FOR UPDATE OF e
     ),
     moved AS (
       UPDATE events e SET account_id = t.account_id FROM target t
       WHERE e.id = t.id AND e.occurred_at = t.occurred_at
       RETURNING e.definition_id, e.user_id, e.account_id, e.occurred_at
     )
     SELECT * FROM moved`,
    [ids],
  );
  if (rows.length === 0) return { moved: [], emptiedActivity: null };
  const moved = rows.map((row) => ({
    definitionId: String(row.definition_id),
    userId: String(row.user_id),
    accountId: String(row.account_id),
    occurredAt: new Date(row.occurred_at),
  }));
  for (const event of moved) deltas.attribute({ accountId: null }, event);
  const users = sqlLiteral(sortedIds(moved.map((event) => event.userId)));
  // Every event these users had without an account moved: so does all their activity there.
  const emptiedActivity = `DELETE FROM user_activity_daily
       WHERE account_id = 0 AND user_id = ANY(${users}::bigint[]);
     DELETE FROM user_activity_monthly
       WHERE account_id = 0 AND user_id = ANY(${users}::bigint[])`;
  return { moved, emptiedActivity };
}
