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
  // A batch of accounts (Account.metric) reads only their rows, through the account indexes.
  const accountFilter = (column: string) =>
    request.accountIds ? `AND ${column} = ANY(${params.add(request.accountIds, 'bigint[]')})` : '';
  const source =
    request.activitySource === 'monthly' && options.needsDays ? 'daily' : request.activitySource;
  if (source === 'monthly') {
    return `activity AS (
      SELECT b.bucket, r.month AS day, r.account_id, r.user_id
      FROM buckets b
      JOIN user_activity_monthly r
        ON r.month >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.month < (b.ends_at AT TIME ZONE 'UTC')::date
        ${accountFilter('r.account_id')}
      ${userFilter ? `WHERE r.user_id ${userFilter}` : ''}
    )`;
  }
  if (source === 'daily') {
    return `activity AS (
      SELECT b.bucket, r.day, r.account_id, r.user_id
      FROM buckets b
      JOIN user_activity_daily r
        ON r.day >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.day < (b.ends_at AT TIME ZONE 'UTC')::date
        ${accountFilter('r.account_id')}
      ${userFilter ? `WHERE r.user_id ${userFilter}` : ''}
    )`;
  }
  const tz = params.add(request.timezone, 'text');
  return `activity AS (
      SELECT DISTINCT b.bucket, (e.occurred_at AT TIME ZONE ${tz})::date AS day,
        coalesce(e.account_id, 0) AS account_id, e.user_id
      FROM buckets b
      JOIN events e ON e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at
        ${accountFilter('e.account_id')}
      WHERE e.user_id IS NOT NULL ${userFilter ? `AND e.user_id ${userFilter}` : ''}
    )`;
}

/** `NOT IN (...)` over the few excluded users: a hashed subplan, cheaper than a join. */
export function userExclusionSql(request: CompileRequest): string {
  const excluded = excludedUsersSql(request);
  return excluded ? `NOT IN (${excluded})` : '';
}

/** `SELECT id FROM users WHERE …`: the test or deleted users the request leaves out, or ''. */
export function excludedUsersSql(request: CompileRequest): string {
  const excluded: string[] = [];
  if (!request.includeTest) excluded.push('is_test');
  if (!request.includeDeleted) excluded.push('deleted_at IS NOT NULL');
  return excluded.length ? `SELECT id FROM users WHERE ${excluded.join(' OR ')}` : '';
}

/** Local days in a bucket, for averages over its days (a DST day still counts as one). */
export function daysInBucketSql(params: SqlParams, request: CompileRequest): string {
  const tz = params.add(request.timezone, 'text');
  return `greatest(1, (b.ends_at AT TIME ZONE ${tz})::date - (b.starts_at AT TIME ZONE ${tz})::date)`;
}

/** Five calendar years from 2000 share one row of user_month_bits (era 5 = 2025-2029). */
export function eraOf(year: number): number {
  return Math.floor((year - 2000) / 5);
}

/**
 * Bit masks of the UTC months each bucket covers, counting months from January of `baseYear`
 * (default: the first bucket's year; bit 12 is the next January). Null when a mask would need
 * more than 62 bits or a boundary is not a UTC month start.
 */
export function monthBitMasks(
  buckets: Array<{ start: Date; end: Date }>,
  baseYear?: number,
): { firstYear: number; lastYear: number; masks: string[] } | null {
  const monthIndex = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  const isMonthStart = (d: Date) =>
    d.getUTCDate() === 1 &&
    d.getUTCHours() === 0 &&
    d.getUTCMinutes() === 0 &&
    d.getUTCSeconds() === 0 &&
    d.getUTCMilliseconds() === 0;
  if (!buckets.every((b) => isMonthStart(b.start) && isMonthStart(b.end))) return null;
  const first = Math.min(...buckets.map((b) => monthIndex(b.start)));
  const last = Math.max(...buckets.map((b) => monthIndex(b.end))) - 1;
  const firstYear = Math.floor(first / 12);
  const lastYear = Math.floor(last / 12);
  const base = (baseYear ?? firstYear) * 12;
  if (first < base || last - base > 61) return null;
  const masks = buckets.map((b) => {
    let mask = 0n;
    for (let m = monthIndex(b.start); m < monthIndex(b.end); m++) mask |= 1n << BigInt(m - base);
    return mask.toString();
  });
  return { firstYear, lastYear, masks };
}
