import type { Dimension } from '../definition';
import { dimensionColumn, type CompileRequest } from './request';
import { accountPlanCte } from './subscription-state';
import type { SqlParams } from './sql-params';

/** Employee-count bands, as labels; `unknown` when the count is missing. */
export const EMPLOYEE_BAND_SQL = `CASE
        WHEN a.employee_count IS NULL THEN 'unknown'
        WHEN a.employee_count <= 10 THEN '1-10'
        WHEN a.employee_count <= 50 THEN '11-50'
        WHEN a.employee_count <= 200 THEN '51-200'
        WHEN a.employee_count <= 1000 THEN '201-1000'
        ELSE '1001+' END`;

/**
 * SQL for each dimension, given that the query joins the account as `a` (possibly absent:
 * account 0 means "no account") and exposes the plan code as `planSql`.
 */
export function dimensionSql(dimension: Dimension, planSql: string): string {
  switch (dimension) {
    case 'plan':
      return `coalesce(${planSql}, 'none')`;
    case 'industry':
      return `coalesce(a.industry, 'unknown')`;
    case 'employee_count_band':
      return EMPLOYEE_BAND_SQL;
    case 'account':
      return `a.id::text`;
    case 'segment':
      return `coalesce(a.segment_name, 'none')`;
  }
}

/**
 * The relation queries join as the account `a`. Grouped or filtered by `segment`, an account
 * appears once per segment it is in (materialised in segment_members by src/signals), or once
 * as 'none': each group's value is right, and the ungrouped total is computed apart.
 */
export function accountsRelation(request: CompileRequest): string {
  const usesSegment =
    request.groupBy.includes('segment') || request.filters.some((f) => f.dimension === 'segment');
  if (!usesSegment) return 'accounts';
  return `(SELECT acc.*, seg.name AS segment_name FROM accounts acc
      CROSS JOIN LATERAL unnest(coalesce(
        (SELECT array_agg(sm.segment) FROM segment_members sm WHERE sm.account_id = acc.id),
        ARRAY['none'])) AS seg(name))`;
}

/** `expr AS d_plan, ...` for SELECT and the matching GROUP BY list. */
export function groupingSql(request: CompileRequest, planSql: string) {
  const selects = request.groupBy.map(
    (dimension) => `${dimensionSql(dimension, planSql)} AS ${dimensionColumn(dimension)}`,
  );
  const columns = request.groupBy.map(dimensionColumn);
  return {
    select: selects.map((s) => `, ${s}`).join(''),
    groupBy: columns.map((c) => `, ${c}`).join(''),
    columns,
  };
}

/**
 * Conditions on the account `a`: test and deleted accounts out unless asked for, the batch's
 * account ids, and the dimension filters. `accountIdSql` is the column the account id comes
 * from, so rows without an account (id 0) survive when no filter needs an account.
 */
export function accountConditions(
  request: CompileRequest,
  params: SqlParams,
  planSql: string,
  accountIdSql: string,
): string[] {
  const conditions: string[] = [];
  const exclusions: string[] = [];
  if (!request.includeTest) exclusions.push('a.is_test');
  if (!request.includeDeleted) exclusions.push('a.deleted_at IS NOT NULL');
  if (exclusions.length) conditions.push(`NOT coalesce(${exclusions.join(' OR ')}, false)`);
  if (request.accountIds) {
    conditions.push(`${accountIdSql} = ANY(${params.add(request.accountIds, 'bigint[]')})`);
  }
  for (const filter of request.filters) {
    if (filter.dimension === 'employee_count') {
      if (filter.min != null)
        conditions.push(`a.employee_count >= ${params.add(filter.min, 'numeric')}`);
      if (filter.max != null)
        conditions.push(`a.employee_count <= ${params.add(filter.max, 'numeric')}`);
      continue;
    }
    const expression = dimensionSql(filter.dimension, planSql);
    if ('equals' in filter) conditions.push(`${expression} = ${params.add(filter.equals, 'text')}`);
    else conditions.push(`${expression} = ANY(${params.add(filter.in, 'text[]')})`);
  }
  return conditions;
}

/** True when the query needs the account's current plan (usage and event metrics). */
export function needsPlan(request: CompileRequest): boolean {
  return request.groupBy.includes('plan') || request.filters.some((f) => f.dimension === 'plan');
}

/** The account join, or a cheap anti-join when nothing but exclusion needs the account. */
export function accountScope(request: CompileRequest, params: SqlParams, accountIdSql: string) {
  const plan = needsPlan(request);
  const needsJoin =
    request.groupBy.length > 0 || request.filters.length > 0 || request.accountIds !== undefined;
  if (!needsJoin) {
    const excluded: string[] = [];
    if (!request.includeTest) excluded.push('is_test');
    if (!request.includeDeleted) excluded.push('deleted_at IS NOT NULL');
    return {
      joins: '',
      ctes: [] as string[],
      conditions: excluded.length
        ? [`${accountIdSql} NOT IN (SELECT id FROM accounts WHERE ${excluded.join(' OR ')})`]
        : [],
    };
  }
  const ctes = plan ? [accountPlanCte(params, request.planAt)] : [];
  const joins = `LEFT JOIN ${accountsRelation(request)} a ON a.id = ${accountIdSql}${
    plan ? `\n    LEFT JOIN account_plan ap ON ap.account_id = ${accountIdSql}` : ''
  }`;
  return {
    joins,
    ctes,
    conditions: accountConditions(request, params, 'ap.plan_code', accountIdSql),
  };
}
