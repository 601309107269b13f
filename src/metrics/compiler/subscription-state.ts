import {
  accountMrrSql,
  accountPlanAtSql,
  accountPlanSql,
  subscriptionIntervalsSql,
  subscriptionMrrSql,
} from '../../domain/subscription';
import type { SqlParams } from './sql-params';

/**
 * CTEs over subscription_history, shared by the revenue and usage compilers. The rules they
 * compile (MRR and an account's plan at an instant) live in src/domain/subscription, which
 * Account.mrr and Account.plan read too.
 *
 * `instants(at)` from a parameter array, `intervals` (each history row with the span it is in
 * force), `subscription_mrr(at, subscription_id, account_id, plan_id, mrr_minor, currency)`:
 * each paying subscription's MRR at each instant, and `account_mrr(at, account_id, mrr_minor,
 * min_currency, max_currency)`.
 */
export function mrrAtInstantsCtes(
  params: SqlParams,
  instants: Date[],
  accountIds?: string[],
): string {
  const instantsSql = params.add(instants, 'timestamptz[]');
  // A batch of accounts (Account.metric) reads only their history rows.
  const accountFilter = accountIds
    ? `AND h.account_id = ANY(${params.add(accountIds, 'bigint[]')})`
    : '';
  return `instants AS (
      SELECT DISTINCT i.at FROM unnest(${instantsSql}) AS i(at)
    ),
    intervals AS (
      ${subscriptionIntervalsSql(`(SELECT max(at) FROM instants)`, accountFilter)}
    ),
    subscription_mrr AS (
      ${subscriptionMrrSql('instants', 'intervals')}
    ),
    account_mrr AS (
      ${accountMrrSql('subscription_mrr')}
    )`;
}

/** `instant_plan(at, account_id, plan_id, plan_code)`: each account's plan at each instant. */
export function planAtInstantsCte(): string {
  return `instant_plan AS (
      ${accountPlanSql('instants', 'intervals')}
    )`;
}

/**
 * `account_plan(at, account_id, plan_id, plan_code)`: each account's plan at one instant; the
 * `plan` dimension of usage and event metrics.
 */
export function accountPlanCte(params: SqlParams, at: Date): string {
  return `account_plan AS (
      ${accountPlanAtSql(params.add(at, 'timestamptz'))}
    )`;
}

/** SQL that is true when a set of account_mrr rows `x` adds amounts in several currencies. */
export function mixedCurrenciesSql(alias: string): string {
  return `(min(${alias}.min_currency) IS DISTINCT FROM max(${alias}.max_currency))`;
}

/** `buckets(bucket, starts_at, ends_at)` from the request's bucket arrays. */
export function bucketsCte(params: SqlParams, buckets: Array<{ start: Date; end: Date }>): string {
  const starts = params.add(
    buckets.map((b) => b.start),
    'timestamptz[]',
  );
  const ends = params.add(
    buckets.map((b) => b.end),
    'timestamptz[]',
  );
  return `buckets AS (
      SELECT (b.i - 1)::int AS bucket, b.starts_at, b.ends_at
      FROM unnest(${starts}, ${ends}) WITH ORDINALITY AS b(starts_at, ends_at, i)
    )`;
}
