import type { MetricDefinition } from '../definition';
import { compileActuals } from './actuals.compiler';
import { compileEventMetric } from './event.compiler';
import type { CompileRequest } from './request';
import { compileRevenue } from './revenue.compiler';
import type { CompiledSql } from './sql-params';
import { compileUsage } from './usage.compiler';

/** Definition types that compile to one SQL statement; the others combine these. */
export type SqlMetricDefinition = Extract<
  MetricDefinition,
  { type: 'count' | 'count_distinct' | 'sum' | 'avg' | 'revenue' | 'usage' | 'actuals' }
>;

export function compilesToSql(definition: MetricDefinition): definition is SqlMetricDefinition {
  return !['ratio', 'derived', 'cumulative'].includes(definition.type);
}

/**
 * Definition + request → one parameterised statement returning `(bucket, d_<dimension>...,
 * value)`. Pure: no I/O, no clock; every value a caller supplied is a bind parameter.
 */
export function compileMetricQuery(
  definition: SqlMetricDefinition,
  request: CompileRequest,
): CompiledSql {
  switch (definition.type) {
    case 'revenue':
      return compileRevenue(definition, request);
    case 'usage':
      return compileUsage(definition, request);
    case 'actuals':
      return compileActuals(definition, request);
    default:
      return compileEventMetric(definition, request);
  }
}
