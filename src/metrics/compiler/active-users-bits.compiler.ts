import { eraOf, monthBitMasks, userExclusionSql } from './activity';
import type { CompileRequest } from './request';
import { SqlParams, tidy, type CompiledSql } from './sql-params';

/**
 * Distinct active users over whole UTC months, ungrouped: one row per user from
 * user_month_bits (a bit per month of a five-year era, OR-ed over the user's accounts), counted
 * per bucket by bit masks in one pass. Windows across two eras OR each user's rows of
 * user_active_months instead. Users with activity in an excluded (test or deleted) account are
 * few: their bits are rebuilt from user_active_months without those accounts. Null when the
 * request needs anything else (groups, filters, other boundaries).
 */
export function compileActiveUsersFromMonthBits(request: CompileRequest): CompiledSql | null {
  if (request.activitySource !== 'monthly' || request.groupBy.length || request.filters.length)
    return null;
  if (request.accountIds) return null;
  const span = monthBitMasks(request.buckets);
  if (!span) return null;
  const era = eraOf(span.firstYear);
  const oneEra = era === eraOf(span.lastYear);
  const masks = oneEra ? monthBitMasks(request.buckets, 2000 + 5 * era) : span;
  if (!masks) return null;
  const params = new SqlParams();
  const baseYear = params.add(oneEra ? 2000 + 5 * era : span.firstYear, 'int');
  const firstYear = params.add(span.firstYear, 'int');
  const lastYear = params.add(span.lastYear, 'int');
  const excludedUsers = userExclusionSql(request);
  const userCondition = (column: string) => (excludedUsers ? `AND ${column} ${excludedUsers}` : '');
  const accountExclusions: string[] = [];
  if (!request.includeTest) accountExclusions.push('is_test');
  if (!request.includeDeleted) accountExclusions.push('deleted_at IS NOT NULL');
  const excludedAccounts = accountExclusions.length
    ? `(SELECT id FROM accounts WHERE ${accountExclusions.join(' OR ')})`
    : null;
  // Bits of one user from their per-account rows, leaving excluded accounts out.
  const rebuiltBits = (
    users: string,
  ) => `SELECT m.user_id, bit_or(m.months::bigint << ((m.year - ${baseYear}) * 12)) AS bits
      FROM user_active_months m
      WHERE m.year BETWEEN ${firstYear} AND ${lastYear} ${users}
        ${excludedAccounts ? `AND m.account_id NOT IN ${excludedAccounts}` : ''} ${userCondition('m.user_id')}
      GROUP BY m.user_id`;
  let perUser: string;
  if (!oneEra) {
    perUser = `per_user AS (
      ${rebuiltBits('')}
    )`;
  } else if (!excludedAccounts) {
    perUser = `per_user AS (
      SELECT u.user_id, u.months AS bits FROM user_month_bits u
      WHERE u.era = ${params.add(era, 'int')} ${userCondition('u.user_id')}
    )`;
  } else {
    perUser = `tainted AS (
      SELECT DISTINCT m.user_id
      FROM ${excludedAccounts} e
      CROSS JOIN LATERAL (
        SELECT m.user_id FROM user_active_months m
        WHERE m.account_id = e.id AND m.year BETWEEN ${firstYear} AND ${lastYear}
        OFFSET 0 -- one index probe per excluded account
      ) m
    ),
    per_user AS (
      SELECT u.user_id, u.months AS bits FROM user_month_bits u
      WHERE u.era = ${params.add(era, 'int')} AND u.user_id NOT IN (SELECT user_id FROM tainted)
        ${userCondition('u.user_id')}
      UNION ALL
      SELECT t.user_id, r.bits
      FROM tainted t
      CROSS JOIN LATERAL (
        ${rebuiltBits('AND m.user_id = t.user_id')}
        OFFSET 0 -- per tainted user, through the (user_id, year) index
      ) r
    )`;
  }
  const maskArray = params.add(masks.masks, 'bigint[]');
  const counts = masks.masks
    .map((_, k) => `count(*) FILTER (WHERE p.bits & (${maskArray})[${k + 1}] <> 0)`)
    .join(',\n        ');
  return {
    sql: tidy(`
    WITH ${perUser}
    SELECT (c.i - 1)::int AS bucket, c.value::float8 AS value
    FROM (
      SELECT ARRAY[
        ${counts}
      ] AS counts
      FROM per_user p
    ) x
    CROSS JOIN LATERAL unnest(x.counts) WITH ORDINALITY AS c(value, i)`),
    params: params.values,
  };
}
