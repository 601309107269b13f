import {
  eventIdOf,
  type AggregateMetric,
  type CountDistinctMetric,
  type CountMetric,
  type PropertyFilter,
} from '../definition';
import { excludedUsersSql, userExclusionSql } from './activity';
import { accountsRelation, accountConditions, groupingSql, needsPlan } from './dimensions';
import type { CompileRequest } from './request';
import { SqlParams, tidy, whereSql, type CompiledSql } from './sql-params';
import { accountPlanCte, bucketsCte } from './subscription-state';

type EventMetric = CountMetric | CountDistinctMetric | AggregateMetric;

/**
 * Event metrics. A plain count (or distinct accounts) over UTC-aligned buckets reads
 * event_counts_daily, less the events of excluded users; property filters, distinct users, sums and averages of properties, and
 * non-UTC days read the raw events of that one definition inside the buckets, through the
 * (definition_id, occurred_at) index. `sum`/`avg` of an account column read the accounts.
 */
export function compileEventMetric(definition: EventMetric, request: CompileRequest): CompiledSql {
  if (definition.type !== 'count' && definition.type !== 'count_distinct' && definition.column) {
    return compileAccountColumn(definition, request);
  }
  const params = new SqlParams();
  const ctes = [bucketsCte(params, request.buckets)];
  const plan = needsPlan(request);
  if (plan) ctes.push(accountPlanCte(params, request.planAt));
  const eventId = params.add(eventIdOf(definition.event!), 'bigint');
  const useRollup =
    request.activitySource !== 'raw' &&
    definition.where.length === 0 &&
    (definition.type === 'count' ||
      (definition.type === 'count_distinct' && definition.of === 'account'));
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = accountConditions(request, params, 'ap.plan_code', 'x.account_id');
  const planJoin = plan ? 'LEFT JOIN account_plan ap ON ap.account_id = x.account_id' : '';
  // A count from the rollup less excluded users' events: a group can net to 0 (drop it).
  const netted = useRollup && definition.type === 'count' && excludedUsersSql(request) !== '';

  let source: string;
  let value: string;
  if (useRollup) {
    source = rollupSource(request, eventId, definition.type === 'count_distinct');
  } else {
    const filters = definition.where.map((filter) => propertyCondition(filter, params));
    const excludedUsers = userExclusionSql(request);
    if (excludedUsers) filters.push(`(e.user_id IS NULL OR e.user_id ${excludedUsers})`);
    const amount =
      definition.type === 'sum' || definition.type === 'avg'
        ? numericProperty(definition.property!, params)
        : '1';
    source = `SELECT b.bucket, coalesce(e.account_id, 0) AS account_id, e.user_id, ${amount} AS amount
      FROM buckets b
      JOIN events e ON e.definition_id = ${eventId}
        AND e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at
      ${filters.map((f) => `AND ${f}`).join('\n      ')}`;
  }
  switch (definition.type) {
    case 'count':
      value = 'sum(x.amount)';
      break;
    case 'count_distinct':
      value =
        definition.of === 'user'
          ? 'count(DISTINCT x.user_id)'
          : 'count(DISTINCT x.account_id) FILTER (WHERE x.account_id <> 0)';
      break;
    case 'sum':
      value = 'sum(x.amount)';
      break;
    case 'avg':
      value = 'avg(x.amount)';
      break;
  }
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')},
    x AS (
      ${source}
    )
    SELECT x.bucket${grouping.select}, coalesce(${value}, 0)::float8 AS value
    FROM x
    LEFT JOIN ${accountsRelation(request)} a ON a.id = x.account_id
    ${planJoin}
    ${whereSql(conditions)}
    GROUP BY x.bucket${grouping.groupBy}${netted ? '\n    HAVING sum(x.amount) <> 0' : ''}`),
    params: params.values,
  };
}

/**
 * Counts per (bucket, account) from event_counts_daily. The rollup has no user column, so the
 * events of excluded (test, deleted) users are taken back out as -1 rows read from the raw
 * events of those few users (one probe each, through the (user_id, occurred_at) index). A
 * plain count sums them in its one aggregation (dropping groups left at 0); distinct accounts
 * first net them per bucket and account, so an account whose only events came from excluded
 * users is not counted.
 */
function rollupSource(request: CompileRequest, eventId: string, distinct: boolean): string {
  const rollup = `SELECT b.bucket, r.account_id, NULL::bigint AS user_id, r.event_count AS amount
      FROM buckets b
      JOIN event_counts_daily r ON r.definition_id = ${eventId}
        AND r.day >= (b.starts_at AT TIME ZONE 'UTC')::date AND r.day < (b.ends_at AT TIME ZONE 'UTC')::date`;
  const excludedUsers = excludedUsersSql(request);
  if (!excludedUsers) return rollup;
  const withdrawn = `SELECT b.bucket, coalesce(e.account_id, 0), NULL::bigint, -1
      FROM (${excludedUsers}) xu
      CROSS JOIN LATERAL (
        SELECT e.account_id, e.occurred_at FROM events e
        WHERE e.user_id = xu.id AND e.definition_id = ${eventId}
          AND e.occurred_at >= (SELECT min(starts_at) FROM buckets)
          AND e.occurred_at < (SELECT max(ends_at) FROM buckets)
        OFFSET 0 -- one probe per excluded user, through the (user_id, occurred_at) index
      ) e
      JOIN buckets b ON e.occurred_at >= b.starts_at AND e.occurred_at < b.ends_at`;
  const both = `${rollup}
      UNION ALL
      ${withdrawn}`;
  if (!distinct) return both;
  return `SELECT n.bucket, n.account_id, NULL::bigint AS user_id, sum(n.amount) AS amount
      FROM (
      ${both}
      ) n
      GROUP BY n.bucket, n.account_id
      HAVING sum(n.amount) > 0`;
}

/** Sum or average of an account column over the accounts existing at each bucket's end. */
function compileAccountColumn(definition: AggregateMetric, request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = [bucketsCte(params, request.buckets)];
  const plan = needsPlan(request);
  if (plan) ctes.push(accountPlanCte(params, request.planAt));
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = accountConditions(request, params, 'ap.plan_code', 'a.id');
  const aggregate = definition.type === 'sum' ? 'sum' : 'avg';
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')}
    SELECT b.bucket${grouping.select}, coalesce(${aggregate}(a.employee_count), 0)::float8 AS value
    FROM buckets b
    JOIN ${accountsRelation(request)} a ON a.created_at < b.ends_at
    ${plan ? 'LEFT JOIN account_plan ap ON ap.account_id = a.id' : ''}
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/** A property filter as a parameterised condition on `e.properties`. */
function propertyCondition(filter: PropertyFilter, params: SqlParams): string {
  const key = params.add(filter.property, 'text');
  if (filter.in) {
    return `e.properties ->> ${key} = ANY(${params.add(filter.in.map(String), 'text[]')})`;
  }
  return `e.properties ->> ${key} = ${params.add(String(filter.equals), 'text')}`;
}

/** A numeric property, or NULL when the event's value is not a number. */
function numericProperty(property: string, params: SqlParams): string {
  const key = params.add(property, 'text');
  return `CASE WHEN jsonb_typeof(e.properties -> ${key}) = 'number' THEN (e.properties ->> ${key})::numeric END`;
}
