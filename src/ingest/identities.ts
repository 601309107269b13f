import { sortedUnique, type Sql } from './sql';

/**
 * Makes sure a user or account row exists for each external id (created with source `ingest`)
 * and returns external id → id. Inserts run in sorted order so concurrent batches never
 * deadlock on the unique index.
 */
export async function ensureByExternalId(
  sql: Sql,
  table: 'users' | 'accounts',
  externalIds: Iterable<string | null>,
): Promise<Map<string, string>> {
  const ids = sortedUnique(externalIds);
  const found = new Map<string, string>();
  if (ids.length === 0) return found;
  const lookup = async (wanted: string[]) => {
    const rows = await sql<{ id: string; external_id: string }>(
      `SELECT id, external_id FROM ${table} WHERE external_id = ANY($1::text[])`,
      [wanted],
    );
    for (const row of rows) found.set(row.external_id, String(row.id));
  };
  // Look up first: INSERT ... ON CONFLICT on a row another batch is updating would wait for
  // that batch to commit, serialising every batch that mentions the same users.
  await lookup(ids);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length === 0) return found;
  await sql(
    `INSERT INTO ${table} (external_id, source)
     SELECT x, 'ingest' FROM unnest($1::text[]) AS x ORDER BY x
     ON CONFLICT (external_id) DO NOTHING`,
    [missing],
  );
  await lookup(missing);
  return found;
}

export type MembershipInput = { accountId: string; userId: string; role: string | null };

/**
 * Puts users in accounts (role MEMBER unless given); a given role replaces the stored one.
 * Returns the users who got a new membership.
 */
export async function upsertMemberships(sql: Sql, inputs: MembershipInput[]): Promise<string[]> {
  const byPair = new Map<string, MembershipInput>();
  for (const input of inputs) {
    const key = `${input.accountId}:${input.userId}`;
    const earlier = byPair.get(key);
    byPair.set(key, { ...input, role: input.role ?? earlier?.role ?? null });
  }
  const rows = [...byPair.values()].sort(
    (a, b) => Number(a.accountId) - Number(b.accountId) || Number(a.userId) - Number(b.userId),
  );
  if (rows.length === 0) return [];
  const params = [rows.map((r) => r.accountId), rows.map((r) => r.userId), rows.map((r) => r.role)];
  const created = await sql<{ user_id: string }>(
    `WITH created AS (
       INSERT INTO memberships (account_id, user_id, role_code, source)
       SELECT a, u, coalesce(r, 'MEMBER'), 'ingest'
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS i(a, u, r) ORDER BY a, u
       ON CONFLICT (account_id, user_id) DO NOTHING
       RETURNING user_id
     )
     SELECT user_id FROM created`,
    params,
  );
  if (rows.some((r) => r.role)) {
    await sql(
      `UPDATE memberships m SET role_code = i.r
       FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS i(a, u, r)
       WHERE m.account_id = i.a AND m.user_id = i.u AND i.r IS NOT NULL AND m.role_code <> i.r`,
      params,
    );
  }
  return created.map((row) => String(row.user_id));
}

export type AnonymousLinks = {
  /** Every anonymous id of the batch → its user, when one is linked. */
  userByAnonymousId: Map<string, string>;
  /** Anonymous ids linked to a user by this batch: their earlier events must be attributed. */
  newlyLinked: Map<string, string>;
};

/**
 * Records the batch's anonymous ids and links (anonymous id → user). The first link wins. Every
 * row is locked (ON CONFLICT DO UPDATE), so a batch storing anonymous events and a batch linking
 * the same id serialise: either the events see the link, or the linking batch sees the events.
 */
export async function recordAnonymousIds(
  sql: Sql,
  links: Map<string, string | null>,
): Promise<AnonymousLinks> {
  const anonymousIds = sortedUnique(links.keys());
  const result: AnonymousLinks = { userByAnonymousId: new Map(), newlyLinked: new Map() };
  if (anonymousIds.length === 0) return result;
  const rows = await sql<{ anonymous_id: string; user_id: string | null; before: string | null }>(
    `WITH before AS (
       SELECT anonymous_id, user_id FROM anonymous_ids WHERE anonymous_id = ANY($1::text[])
     ),
     upserted AS (
       INSERT INTO anonymous_ids (anonymous_id, user_id)
       SELECT a, u FROM unnest($1::text[], $2::bigint[]) AS i(a, u) ORDER BY a
       ON CONFLICT (anonymous_id) DO UPDATE
         SET user_id = coalesce(anonymous_ids.user_id, EXCLUDED.user_id)
       RETURNING anonymous_id, user_id
     )
     SELECT u.anonymous_id, u.user_id, b.user_id AS before
     FROM upserted u LEFT JOIN before b USING (anonymous_id)`,
    [anonymousIds, anonymousIds.map((id) => links.get(id) ?? null)],
  );
  for (const row of rows) {
    if (row.user_id == null) continue;
    result.userByAnonymousId.set(row.anonymous_id, String(row.user_id));
    if (row.before == null) result.newlyLinked.set(row.anonymous_id, String(row.user_id));
  }
  return result;
}
