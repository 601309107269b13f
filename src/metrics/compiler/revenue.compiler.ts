import { DateTime } from 'luxon';
import type { RevenueMeasure, RevenueMetric } from '../definition';
import { accountConditions, groupingSql, needsPlan } from './dimensions';
import type { CompileRequest } from './request';
import { SqlParams, tidy, whereSql, type CompiledSql } from './sql-params';
import {
  bucketsCte,
  mixedCurrenciesSql,
  mrrAtInstantsCtes,
  planAtInstantsCte,
} from './subscription-state';

type Compile = (request: CompileRequest) => CompiledSql;

/**
 * How each revenue measure compiles. A Record, so a measure added to REVENUE_MEASURE_TRAITS
 * (definition.ts) does not type-check until it is compiled here.
 */
const REVENUE_COMPILERS: Record<RevenueMeasure, Compile> = {
  mrr: (request) => compileSnapshot('mrr', request),
  arr: (request) => compileSnapshot('arr', request),
  paying_accounts: (request) => compileSnapshot('paying_accounts', request),
  arpa: (request) => compileSnapshot('arpa', request),
  paid_account_ratio: (request) => compilePaidAccountRatio(request),
  new: (request) => compileMovement('new', request),
  expansion: (request) => compileMovement('expansion', request),
  contraction: (request) => compileMovement('contraction', request),
  churn: (request) => compileMovement('churn', request),
  reactivation: (request) => compileMovement('reactivation', request),
  net_new: (request) => compileMovement('net_new', request),
  nrr: (request) => compileRetention('nrr', request),
  grr: (request) => compileRetention('grr', request),
  logo_churn_rate: (request) => compileRetention('logo_churn_rate', request),
  revenue: (request) => compileMonthlyRevenue(request),
  lifetime_revenue: (request) => compileLifetimeRevenue(request),
};

/**
 * Revenue metrics read subscription_history only (never the events). Statements of measures
 * that add money also return `mixed_currencies`: the evaluator refuses a value that would add
 * amounts in different currencies.
 */
export function compileRevenue(definition: RevenueMetric, request: CompileRequest): CompiledSql {
  return REVENUE_COMPILERS[definition.measure](request);
}

type SnapshotMeasure = 'mrr' | 'arr' | 'paying_accounts' | 'arpa';
const SNAPSHOT_VALUES: Record<SnapshotMeasure, string> = {
  mrr: 'sum(sm.mrr_minor) / 100.0',
  arr: '12 * sum(sm.mrr_minor) / 100.0',
  paying_accounts: 'count(DISTINCT sm.account_id)',
  arpa: 'sum(sm.mrr_minor) / 100.0 / count(DISTINCT sm.account_id)',
};

type MovementMeasure = 'new' | 'expansion' | 'contraction' | 'churn' | 'reactivation' | 'net_new';
type RetentionMeasure = 'nrr' | 'grr' | 'logo_churn_rate';

/** MRR-like values at each bucket's first instant (a month's MRR is its first day's). */
function compileSnapshot(measure: SnapshotMeasure, request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = mrrAndBucketCtes(
    params,
    request,
    request.buckets.map((b) => b.start),
  );
  // The account's plan at the same instant as its MRR: all of an account's MRR is in one group.
  const plan = needsPlan(request);
  if (plan) ctes.push(planAtInstantsCte());
  const grouping = groupingSql(request, 'ap.plan_code');
  const conditions = accountConditions(request, params, 'ap.plan_code', 'sm.account_id');
  const currencies =
    measure === 'paying_accounts'
      ? ''
      : `, (min(sm.currency) IS DISTINCT FROM max(sm.currency)) AS mixed_currencies`;
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')}
    SELECT b.bucket${grouping.select}, (${SNAPSHOT_VALUES[measure]})::float8 AS value${currencies}
    FROM buckets b
    JOIN subscription_mrr sm ON sm.at = b.starts_at
    JOIN accounts a ON a.id = sm.account_id
    ${plan ? 'LEFT JOIN instant_plan ap ON ap.at = sm.at AND ap.account_id = sm.account_id' : ''}
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * Paying accounts / accounts that exist at the bucket's start. An account exists once created
 * or once it has any subscription history (backfilled billing predates the row's created_at).
 */
function compilePaidAccountRatio(request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = mrrAndBucketCtes(
    params,
    request,
    request.buckets.map((b) => b.start),
  );
  const grouping = groupingSql(request, 'NULL');
  const conditions = accountConditions(request, params, 'NULL', 'a.id');
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')}
    SELECT b.bucket${grouping.select},
      (count(am.account_id)::float8 / count(*))::float8 AS value
    FROM buckets b
    JOIN accounts a ON (a.created_at <= b.starts_at OR EXISTS (
      SELECT 1 FROM subscription_history h WHERE h.account_id = a.id AND h.effective_at <= b.starts_at))
    LEFT JOIN account_mrr am ON am.at = b.starts_at AND am.account_id = a.id
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * MRR movements as dbt's mrr-playbook dates them: each month compares an account's MRR at its
 * first instant with the previous month's; the movement belongs to the bucket holding that
 * month start. `first_paid` is the first month start an account ever paid at, which tells a
 * new account from a reactivated one.
 */
function compileMovement(measure: MovementMeasure, request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const months = request.monthStarts;
  const previous = months.map((m) => previousMonthStart(m, request.timezone));
  const tz = params.add(request.timezone, 'text');
  const ctes = mrrAndBucketCtes(params, request, [...months, ...previous]);
  const monthsSql = params.add(months, 'timestamptz[]');
  const previousSql = params.add(previous, 'timestamptz[]');
  const grouping = groupingSql(request, 'NULL');
  const conditions = accountConditions(request, params, 'NULL', 'mv.account_id');
  const amount: string = {
    new: `CASE WHEN mv.prev_mrr = 0 AND mv.cur_mrr > 0 AND fp.first_month >= mv.month_at THEN mv.cur_mrr ELSE 0 END`,
    reactivation: `CASE WHEN mv.prev_mrr = 0 AND mv.cur_mrr > 0 AND fp.first_month < mv.month_at THEN mv.cur_mrr ELSE 0 END`,
    expansion: `CASE WHEN mv.prev_mrr > 0 AND mv.cur_mrr > mv.prev_mrr THEN mv.cur_mrr - mv.prev_mrr ELSE 0 END`,
    contraction: `CASE WHEN mv.prev_mrr > 0 AND mv.cur_mrr > 0 AND mv.cur_mrr < mv.prev_mrr THEN mv.prev_mrr - mv.cur_mrr ELSE 0 END`,
    churn: `CASE WHEN mv.prev_mrr > 0 AND mv.cur_mrr = 0 THEN mv.prev_mrr ELSE 0 END`,
    net_new: `mv.cur_mrr - mv.prev_mrr`,
  }[measure];
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')},
    months AS (
      SELECT m.month_at, m.prev_at FROM unnest(${monthsSql}, ${previousSql}) AS m(month_at, prev_at)
    ),
    first_paid AS (
      SELECT iv.account_id, min(month_ceiling) AS first_month
      FROM intervals iv
      CROSS JOIN LATERAL (
        SELECT CASE WHEN date_trunc('month', iv.valid_from AT TIME ZONE ${tz}) = iv.valid_from AT TIME ZONE ${tz}
          THEN iv.valid_from
          ELSE (date_trunc('month', iv.valid_from AT TIME ZONE ${tz}) + interval '1 month') AT TIME ZONE ${tz}
        END AS month_ceiling
      ) c
      WHERE iv.counted AND (iv.valid_to IS NULL OR c.month_ceiling < iv.valid_to)
      GROUP BY iv.account_id
    ),
    movements AS (
      SELECT mo.month_at, am.account_id,
        sum(CASE WHEN am.at = mo.month_at THEN am.mrr_minor ELSE 0 END) AS cur_mrr,
        sum(CASE WHEN am.at = mo.prev_at THEN am.mrr_minor ELSE 0 END) AS prev_mrr,
        min(am.min_currency) AS min_currency, max(am.max_currency) AS max_currency
      FROM months mo
      JOIN account_mrr am ON am.at = mo.month_at OR am.at = mo.prev_at
      GROUP BY mo.month_at, am.account_id
    )
    SELECT b.bucket${grouping.select}, (sum(${amount}) / 100.0)::float8 AS value,
      ${mixedCurrenciesSql('mv')} AS mixed_currencies
    FROM buckets b
    JOIN movements mv ON mv.month_at >= b.starts_at AND mv.month_at < b.ends_at
    JOIN first_paid fp ON fp.account_id = mv.account_id
    JOIN accounts a ON a.id = mv.account_id
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * Cohort of accounts paying at the bucket's start, read again at its end: NRR (end MRR / start
 * MRR), GRR (end MRR capped at start MRR), logo churn (share of the cohort at 0 at the end).
 */
function compileRetention(measure: RetentionMeasure, request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const instants = request.buckets.flatMap((b) => [b.start, b.end]);
  const ctes = mrrAndBucketCtes(params, request, instants);
  const grouping = groupingSql(request, 'NULL');
  const conditions = accountConditions(request, params, 'NULL', 'cohort.account_id');
  const value: string = {
    nrr: 'sum(coalesce(later.mrr_minor, 0))::float8 / sum(cohort.mrr_minor)',
    grr: 'sum(least(coalesce(later.mrr_minor, 0), cohort.mrr_minor))::float8 / sum(cohort.mrr_minor)',
    logo_churn_rate: 'count(*) FILTER (WHERE later.account_id IS NULL)::float8 / count(*)',
  }[measure];
  const currencies =
    measure === 'logo_churn_rate'
      ? ''
      : `, (min(least(cohort.min_currency, later.min_currency))
        IS DISTINCT FROM max(greatest(cohort.max_currency, later.max_currency))) AS mixed_currencies`;
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')}
    SELECT b.bucket${grouping.select}, (${value})::float8 AS value${currencies}
    FROM buckets b
    JOIN account_mrr cohort ON cohort.at = b.starts_at
    LEFT JOIN account_mrr later ON later.at = b.ends_at AND later.account_id = cohort.account_id
    JOIN accounts a ON a.id = cohort.account_id
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * Subscription revenue of a bucket, month by month: the MRR in force at each month start inside
 * the bucket, summed (a quarter is its three months' MRR). The flow that net burn subtracts.
 */
function compileMonthlyRevenue(request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const ctes = mrrAndBucketCtes(params, request, request.monthStarts);
  const grouping = groupingSql(request, 'NULL');
  const conditions = accountConditions(request, params, 'NULL', 'am.account_id');
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')}
    SELECT b.bucket${grouping.select}, (sum(am.mrr_minor) / 100.0)::float8 AS value,
      ${mixedCurrenciesSql('am')} AS mixed_currencies
    FROM buckets b
    JOIN account_mrr am ON am.at >= b.starts_at AND am.at < b.ends_at
    JOIN accounts a ON a.id = am.account_id
    ${whereSql(conditions)}
    GROUP BY b.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/**
 * Everything an account has paid up to a bucket's end: the MRR in force at every local month
 * start before it, since its first subscription. Each paying history row contributes its amount
 * once per month start inside its span, so no list of instants is needed.
 */
function compileLifetimeRevenue(request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const tz = params.add(request.timezone, 'text');
  const ctes = mrrAndBucketCtes(
    params,
    request,
    request.buckets.map((b) => b.end),
  );
  const grouping = groupingSql(request, 'NULL');
  const conditions = accountConditions(request, params, 'NULL', 'ms.account_id');
  return {
    sql: tidy(`
    WITH ${ctes.join(',\n    ')},
    month_starts AS (
      SELECT b.bucket, iv.account_id, iv.mrr_minor, iv.currency
      FROM buckets b
      JOIN intervals iv ON iv.counted AND iv.valid_from < b.ends_at
      CROSS JOIN LATERAL (
        SELECT least(coalesce(iv.valid_to, b.ends_at), b.ends_at) AS until
      ) span
      CROSS JOIN LATERAL generate_series(
        date_trunc('month', iv.valid_from AT TIME ZONE ${tz}),
        span.until AT TIME ZONE ${tz},
        interval '1 month'
      ) AS m(local_start)
      WHERE (m.local_start AT TIME ZONE ${tz}) >= iv.valid_from
        AND (m.local_start AT TIME ZONE ${tz}) < span.until
    )
    SELECT ms.bucket${grouping.select}, (sum(ms.mrr_minor) / 100.0)::float8 AS value,
      (min(ms.currency) IS DISTINCT FROM max(ms.currency)) AS mixed_currencies
    FROM month_starts ms
    JOIN accounts a ON a.id = ms.account_id
    ${whereSql(conditions)}
    GROUP BY ms.bucket${grouping.groupBy}`),
    params: params.values,
  };
}

/** The local month start before a local month start. */
function previousMonthStart(monthStart: Date, timezone: string): Date {
  return DateTime.fromJSDate(monthStart, { zone: timezone }).minus({ months: 1 }).toJSDate();
}

/** Every revenue statement starts from account MRR at some instants and the request's buckets. */
function mrrAndBucketCtes(params: SqlParams, request: CompileRequest, instants: Date[]): string[] {
  return [
    mrrAtInstantsCtes(params, instants, request.accountIds),
    bucketsCte(params, request.buckets),
  ];
}
