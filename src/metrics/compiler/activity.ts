import type { CompileRequest } from './request';
import type { SqlParams } from './sql-params';

/**
 * `activity(bucket, day, account_id, user_id)`: who was active in which bucket, and on which
 * local day. UTC-aligned buckets read the rollups (monthly when every boundary is a UTC month
 * start and the measure needs no days); other zones scan raw events, but only inside the
 * buckets, through the (user_id, occurred_at) and (account_id, occurred_at) indexes.
 * Events of test or deleted users are out unless the request includes them.
 */
export function activityCte(
  request: CompileRequest,
  params: SqlParams,
  options: { needsDays: boolean },
): string {
  const userFilter = userExclusionSql(request);
  const source =
    request.activitySource === 'monthly' && options.needsDays ? 'daily' : request.activitySource;
  if (source === 'monthly') {
    return `activity AS (
      SELECT b.bucket, r.month AS day, r.account_id, r.user_id
      FROM buckets b
      JOIN user_activity_monthly r
        ON r.month >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.month < (b.ends_at AT TIME ZONE 'UTC')::date
      ${userFilter ? `WHERE r.user_id ${userFilter}` : ''}
    )`;
  }
  if (source === 'daily') {
    return `activity AS (
      SELECT b.bucket, r.day, r.account_id, r.user_id
      FROM buckets b
      JOIN user_activity_daily r
        ON r.day >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.day < (b.ends_at AT TIME ZONE 'UTC')::date
      ${userFilter ? `WHERE r.user_id ${userFilter}` : ''}
    )`;
  }
  const tz = params.add(request.timezone, 'text');
  return `activity AS (
      SELECT DISTINCT b.bucket, (e.occurred_at AT TIME ZONE ${tz})::date AS day,
        coalesce(e.account_id, 0) AS account_id, e.user_id
      FROM buckets b
      JOIN events e ON e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at
      WHERE e.user_id IS NOT NULL ${userFilter ? `AND e.user_id ${userFilter}` : ''}
    )`;
}

/** `NOT IN (...)` over the few excluded users: a hashed subplan, cheaper than a join. */
export function userExclusionSql(request: CompileRequest): string {
  const excluded: string[] = [];
  if (!request.includeTest) excluded.push('is_test');
  if (!request.includeDeleted) excluded.push('deleted_at IS NOT NULL');
  return excluded.length ? `NOT IN (SELECT id FROM users WHERE ${excluded.join(' OR ')})` : '';
}

/** Local days in a bucket, for averages over its days (a DST day still counts as one). */
export function daysInBucketSql(params: SqlParams, request: CompileRequest): string {
  const tz = params.add(request.timezone, 'text');
  return `greatest(1, (b.ends_at AT TIME ZONE ${tz})::date - (b.starts_at AT TIME ZONE ${tz})::date)`;
}
