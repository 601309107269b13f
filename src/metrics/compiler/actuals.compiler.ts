import type { ActualsMetric } from '../definition';
import type { CompileRequest } from './request';
import { SqlParams, tidy, type CompiledSql } from './sql-params';
import { bucketsCte } from './subscription-state';

/**
 * Imported monthly actuals (`plan_entries` rows of kind `actual`): a month belongs to the bucket
 * holding its first day in the query's time zone. `sum` adds the months of a bucket; `last`
 * takes its latest month (a balance). Company-wide figures: a batch for accounts reads nothing.
 */
export function compileActuals(definition: ActualsMetric, request: CompileRequest): CompiledSql {
  const params = new SqlParams();
  const buckets = bucketsCte(params, request.buckets);
  const series = params.add(definition.series, 'text');
  const tz = params.add(request.timezone, 'text');
  const value =
    definition.aggregate === 'sum'
      ? 'sum(pe.value)'
      : '(array_agg(pe.value ORDER BY pe.period_start DESC))[1]';
  const noAccounts = request.accountIds ? 'AND false' : '';
  return {
    sql: tidy(`
    WITH ${buckets}
    SELECT b.bucket, (${value})::float8 AS value
    FROM buckets b
    JOIN plan_entries pe ON pe.kind = 'actual' AND pe.metric = ${series} AND pe.dimension = ''
      AND pe.period_start::timestamp AT TIME ZONE ${tz} >= b.starts_at
      AND pe.period_start::timestamp AT TIME ZONE ${tz} < b.ends_at
    WHERE true ${noAccounts}
    GROUP BY b.bucket`),
    params: params.values,
  };
}
