import type { UsageMetric } from '../definition';
import { compileActiveUsersFromMonthBits } from './active-users-bits.compiler';
import { activityCte, daysInBucketSql, userExclusionSql } from './activity';
import {
  accountsRelation,
  accountConditions,
  accountScope,
  groupingSql,
  needsPlan,
} from './dimensions';
import type { CompileRequest } from './request';
import { SqlParams, tidy, whereSql, type CompiledSql } from './sql-params';
import { accountPlanCte, bucketsCte, mrrAtInstantsCtes } from './subscription-state';

/** Usage metrics: activity from the rollups (or raw events for non-UTC days). */
export function compileUsage(definition: UsageMetric, request: CompileRequest): CompiledSql {
  switch (definition.measure) {
    case 'active_users':
    case 'active_accounts':
    case 'stickiness':
      return compileActivityCount(definition.measure, request);
    case 'admin_daily_active_account_ratio':
      return compileAdminDailyRatio(request);
    case 'activation_rate':
      return compileActivationRate(request);
    case 'pql_accounts':
      return compilePqlAccounts(request, definition.min_active_users ?? 3);
  }
}

/** Distinct active users or accounts per bucket; stickiness = average DAU / active users. */
function compileActivityCount(
  measure: 'active_users' | 'active_accounts' | 'stickiness',
  request: CompileRequest,
): CompiledSql {
  if (measure === 'active_users') {
    const fast = compileActiveUsersFromMonthBits(request);
    if (fast) return fast;
  }
  const params = new SqlParams();
  const ctes = [
    bucketsCte(params, request.buckets),
    activityCte(request, params, { needsDays: measure === 'stickiness' }),
  ];
  const scope = accountScope(request, params, 'act.account_id');
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = [...scope.conditions];
  if (measure === 'active_accounts') conditions.push('act.account_id <> 0');
  const value =
    measure === 'stickiness'
      ? `count(DISTINCT (act.day, act.user_id))::float8 / min(${daysInBucketSql(params, request)}) / count(DISTINCT act.user_id)`
      : measure === 'active_users'
        ? 'count(DISTINCT act.user_id)'
        : 'count(DISTINCT act.account_id)';
  return {
    sql: tidy(`
    WITH ${[...ctes, ...scope.ctes].join(',\n    ')}
    SELECT act.bucket${grouping.select}, (${value})::float8 AS value
    FROM activity act
    JOIN buckets b ON b.bucket = act.bucket
    ${scope.joins}
    ${whereSql(conditions)}
    GROUP BY act.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * For each local day: paying accounts (MRR > 0 at the day's start) with an event by an
 * ADMINISTRATOR member that day, over paying accounts; averaged over the bucket's days (a day
 * without paying accounts counts 0).
 */
function compileAdminDailyRatio(request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = [
    mrrAtInstantsCtes(
      params,
      request.dayStarts.length ? request.dayStarts : [request.buckets[0].start],
      request.accountIds,
    ),
    bucketsCte(params, request.buckets),
    activityCte(request, params, { needsDays: true }),
  ];
  const tz = params.add(request.timezone, 'text');
  const dayStarts = params.add(request.dayStarts, 'timestamptz[]');
  const plan = needsPlan(request);
  if (plan) ctes.push(accountPlanCte(params, request.planAt));
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = accountConditions(request, params, 'ap.plan_code', 'p.account_id');
  const days = daysInBucketSql(params, request);
  const outerColumns = grouping.columns.map((c) => `, pd.${c}`).join('');
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')},
    days AS (
      SELECT d.at, (d.at AT TIME ZONE ${tz})::date AS day FROM unnest(${dayStarts}) AS d(at)
    ),
    paying AS (
      SELECT d.day, am.account_id FROM days d JOIN account_mrr am ON am.at = d.at
    ),
    admin_days AS (
      SELECT DISTINCT act.day, act.account_id
      FROM activity act
      JOIN memberships m ON m.account_id = act.account_id AND m.user_id = act.user_id
        AND m.role_code = 'ADMINISTRATOR' AND m.deleted_at IS NULL
    ),
    per_day AS (
      SELECT p.day${grouping.select}, count(*) AS paying, count(ad.account_id) AS admin_active
      FROM paying p
      JOIN ${accountsRelation(request)} a ON a.id = p.account_id
      ${plan ? 'LEFT JOIN account_plan ap ON ap.account_id = p.account_id' : ''}
      LEFT JOIN admin_days ad ON ad.day = p.day AND ad.account_id = p.account_id
      ${whereSql(conditions)}
      GROUP BY p.day${grouping.groupBy}
    )
    SELECT b.bucket${outerColumns}, (sum(pd.admin_active::float8 / pd.paying) / min(${days}))::float8 AS value
    FROM buckets b
    JOIN per_day pd ON pd.day >= (b.starts_at AT TIME ZONE ${tz})::date
      AND pd.day < (b.ends_at AT TIME ZONE ${tz})::date
    GROUP BY b.bucket${outerColumns}`),
    params: params.values,
  };
}

/**
 * Users first seen in the bucket (their first event ever falls in it) whose first session
 * holds more than three events. A session ends at a gap of 30 minutes or more, so "more than
 * three" means the first four events each follow the previous one within 30 minutes: only
 * those four are read, through the (user_id, occurred_at) index.
 */
function compileActivationRate(request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = [bucketsCte(params, request.buckets)];
  const scope = accountScope(request, params, 'n.account_id');
  const grouping = groupingSql(request, 'ap.plan_code');
  const excludedUsers = userExclusionSql(request);
  return {
    sql: tidy(`
    WITH ${[...ctes, ...scope.ctes].join(',\n    ')},
    bounds AS (
      SELECT min(starts_at) AS lo, max(ends_at) AS hi,
        (min(starts_at) AT TIME ZONE 'UTC')::date - 1 AS lo_day, (max(ends_at) AT TIME ZONE 'UTC')::date AS hi_day
      FROM buckets
    ),
    first_seen AS (
      SELECT d.user_id, min(d.first_at) AS first_at
      FROM user_activity_daily d, bounds
      WHERE d.day >= bounds.lo_day AND d.day <= bounds.hi_day
        ${excludedUsers ? `AND d.user_id ${excludedUsers}` : ''}
        AND NOT EXISTS (
          SELECT 1 FROM user_activity_daily earlier
          WHERE earlier.user_id = d.user_id AND earlier.day < bounds.lo_day)
      GROUP BY d.user_id
      HAVING min(d.first_at) >= (SELECT lo FROM bounds) AND min(d.first_at) < (SELECT hi FROM bounds)
    ),
    first_events AS (
      SELECT fs.user_id, fs.first_at, ev.occurred_at, ev.account_id,
        ev.occurred_at - lag(ev.occurred_at) OVER (PARTITION BY fs.user_id ORDER BY ev.occurred_at) AS gap
      FROM first_seen fs
      CROSS JOIN LATERAL (
        SELECT e.occurred_at, coalesce(e.account_id, 0) AS account_id
        FROM events e
        WHERE e.user_id = fs.user_id AND e.occurred_at >= fs.first_at
        ORDER BY e.occurred_at LIMIT 4
      ) ev
    ),
    newcomers AS (
      SELECT user_id, min(first_at) AS first_at,
        (array_agg(account_id ORDER BY occurred_at))[1] AS account_id,
        (count(*) = 4 AND max(gap) < interval '30 minutes') AS activated
      FROM first_events
      GROUP BY user_id
    )
    SELECT b.bucket${grouping.select},
      (count(*) FILTER (WHERE n.activated))::float8 / count(*) AS value
    FROM buckets b
    JOIN newcomers n ON n.first_at >= b.starts_at AND n.first_at < b.ends_at
    ${scope.joins}
    ${whereSql(scope.conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * Product-qualified leads: accounts not paying at the bucket's start with at least
 * `minActiveUsers` distinct active users in the bucket.
 */
function compilePqlAccounts(request: CompileRequest, minActiveUsers: number): CompiledSql {
  const params = new SqlParams();
  const ctes = [
    mrrAtInstantsCtes(
      params,
      request.buckets.map((b) => b.start),
      request.accountIds,
    ),
    bucketsCte(params, request.buckets),
    activityCte(request, params, { needsDays: false }),
  ];
  const minimum = params.add(minActiveUsers, 'int');
  const plan = needsPlan(request);
  if (plan) ctes.push(accountPlanCte(params, request.planAt));
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = accountConditions(request, params, 'ap.plan_code', 'pa.account_id');
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')},
    per_account AS (
      SELECT act.bucket, act.account_id, count(DISTINCT act.user_id) AS users
      FROM activity act WHERE act.account_id <> 0
      GROUP BY act.bucket, act.account_id
    )
    SELECT b.bucket${grouping.select}, count(*)::float8 AS value
    FROM buckets b
    JOIN per_account pa ON pa.bucket = b.bucket AND pa.users >= ${minimum}
    JOIN ${accountsRelation(request)} a ON a.id = pa.account_id
    ${plan ? 'LEFT JOIN account_plan ap ON ap.account_id = pa.account_id' : ''}
    LEFT JOIN account_mrr am ON am.at = b.starts_at AND am.account_id = pa.account_id
    ${whereSql(['am.account_id IS NULL', ...conditions])}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}
