import type { StoredDefinition } from '../definition-store';
import type { MetricAnswer } from '../metrics.service';
import type { MetricDefinitionType, MetricResult, MetricWindow } from './metric.types';
import type { ResolvedWindow } from '../windows';

/** A stored definition as the GraphQL type. */
export function toDefinitionType(stored: StoredDefinition): MetricDefinitionType {
  const d = stored.definition;
  return {
    name: d.name,
    label: d.label,
    description: d.description,
    owner: d.owner,
    unit: d.unit,
    type: d.type,
    tier: d.tier,
    dimensions: d.dimensions,
    version: stored.version,
    updatedAt: stored.updatedAt,
    definition: d as unknown as Record<string, unknown>,
  };
}

function toWindow(window: ResolvedWindow): MetricWindow {
  return { from: window.from.toJSDate(), to: window.to.toJSDate(), timezone: window.timezone };
}

/** An engine answer as the GraphQL MetricResult. */
export function toMetricResult(
  answer: MetricAnswer & { totalTarget?: number | null; totalAttainment?: number | null },
): MetricResult {
  return {
    totalTarget: answer.totalTarget,
    totalAttainment: answer.totalAttainment,
    name: answer.name,
    definition: toDefinitionType(answer.definition),
    window: toWindow(answer.window),
    grain: answer.grain,
    total: answer.total,
    points: answer.points,
    comparison: answer.comparison && {
      ...answer.comparison,
      window: toWindow(answer.comparison.window),
    },
    freshness: answer.freshness,
    statements: answer.statements,
  };
}
