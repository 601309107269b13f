import { useMemo } from 'react';
import type { SchemaShape } from '../api';
import { Chart, type ChartData } from '../chart';
import { formatNumber, shortDate } from '../format';
import { setParams, type Route } from '../router';
import { ErrorBox, FreshnessNote, RELATIVE_WINDOWS, useQuery, type Freshness } from './shared';

type Definition = {
  name: string;
  label: string;
  unit: string;
  dimensions: string[];
  description: string;
};
type Point = { start: string; value: number; dimensions: Record<string, string> };
type MetricAnswer = {
  total: number;
  grain: string | null;
  window: { from: string; to: string; timezone: string };
  points: Point[];
  comparison: { total: number; change: number; changeRatio: number | null; points: Point[] } | null;
  freshness: Freshness;
  definition: { version: number; unit: string; label: string };
};

const GRAINS = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];
const COMPARES = ['PREVIOUS_PERIOD', 'SAME_PERIOD_LAST_YEAR'];

/** The query the Metrics page runs, also used by the browser test to check the chart's numbers. */
export function metricQuery(shape: SchemaShape): string {
  const source = shape.has('Freshness', 'source') ? ' source' : '';
  return `query ConsoleMetric($name: String!, $window: WindowInput!, $grain: Grain, $groupBy: [String!], $compare: MetricCompare) {
    metric(name: $name, window: $window, grain: $grain, groupBy: $groupBy, compare: $compare) {
      total grain window { from to timezone }
      points { start value dimensions }
      comparison { total change changeRatio points { start value dimensions } }
      freshness { tier computedAt ageSeconds cacheHit${source} }
      definition { version unit label }
    }
  }`;
}

/** Reads the page's choices from the hash, so a chart is a link. */
function choicesOf(route: Route) {
  const p = route.params;
  return {
    name: p.get('name') ?? 'mrr',
    relative: p.get('from') ? undefined : (p.get('relative') ?? 'LAST_12_MONTHS'),
    from: p.get('from') ?? undefined,
    to: p.get('to') ?? undefined,
    grain: p.get('grain') ?? 'MONTH',
    groupBy: p.get('groupBy') ?? undefined,
    compare: p.get('compare') ?? undefined,
    chart: p.get('chart') ?? 'line',
  };
}

export function MetricsPage({ shape, route }: { shape: SchemaShape; route: Route }) {
  const choices = choicesOf(route);
  const update = (change: Partial<typeof choices>) =>
    setParams('metrics', { ...choices, ...change });
  const definitions = useQuery<{ metricDefinitions: Definition[] }>(
    '{ metricDefinitions { name label unit dimensions description } }',
    {},
    [],
  );
  const definition = definitions.data?.metricDefinitions.find((d) => d.name === choices.name);
  const window = choices.from
    ? { from: `${choices.from}T00:00:00Z`, to: `${choices.to}T00:00:00Z` }
    : { relative: choices.relative };
  const variables = {
    name: choices.name,
    window,
    grain: choices.grain || null,
    groupBy: choices.groupBy ? [choices.groupBy] : null,
    compare: choices.compare || null,
  };
  const answer = useQuery<{ metric: MetricAnswer }>(
    choices.from && !choices.to ? null : metricQuery(shape),
    variables,
    [JSON.stringify(variables)],
  );
  const metric = answer.data?.metric;
  const chartData = useMemo(
    () => (metric ? chartOf(metric, choices.chart) : null),
    [metric, choices.chart],
  );

  return (
    <section data-page="metrics">
      <h1>Metrics</h1>
      <div className="controls">
        <label>
          Metric
          <select
            name="metric"
            value={choices.name}
            onChange={(e) => update({ name: e.target.value, groupBy: undefined })}
          >
            {(
              definitions.data?.metricDefinitions ?? [{ name: choices.name, label: choices.name }]
            ).map((d) => (
              <option key={d.name} value={d.name}>
                {d.label} ({d.name})
              </option>
            ))}
          </select>
        </label>
        <label>
          Window
          <select
            name="window"
            value={choices.from ? 'custom' : choices.relative}
            onChange={(e) =>
              e.target.value === 'custom'
                ? update({ relative: undefined, from: '2025-01-01', to: '2026-01-01' })
                : update({ relative: e.target.value, from: undefined, to: undefined })
            }
          >
            {RELATIVE_WINDOWS.map((w) => (
              <option key={w}>{w}</option>
            ))}
            <option value="custom">from … to …</option>
          </select>
        </label>
        {choices.from !== undefined && (
          <>
            <label>
              From
              <input
                type="date"
                name="from"
                value={choices.from}
                onChange={(e) => update({ from: e.target.value })}
              />
            </label>
            <label>
              To (exclusive)
              <input
                type="date"
                name="to"
                value={choices.to ?? ''}
                onChange={(e) => update({ to: e.target.value })}
              />
            </label>
          </>
        )}
        <label>
          Grain
          <select
            name="grain"
            value={choices.grain}
            onChange={(e) => update({ grain: e.target.value })}
          >
            <option value="">none (one total)</option>
            {GRAINS.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <label>
          Group by
          <select
            name="groupBy"
            value={choices.groupBy ?? ''}
            onChange={(e) => update({ groupBy: e.target.value || undefined })}
          >
            <option value="">nothing</option>
            {(definition?.dimensions ?? []).map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          Compare with
          <select
            name="compare"
            value={choices.compare ?? ''}
            onChange={(e) => update({ compare: e.target.value || undefined })}
          >
            <option value="">nothing</option>
            {COMPARES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Chart
          <select
            name="chart"
            value={choices.chart}
            onChange={(e) => update({ chart: e.target.value })}
          >
            <option value="line">line</option>
            <option value="bar">bar</option>
          </select>
        </label>
      </div>
      {definition && <p className="muted">{definition.description}</p>}
      <ErrorBox message={definitions.error ?? answer.error} />
      {answer.loading && <div className="loading">Computing…</div>}
      {metric && chartData && (
        <>
          <div className="summary">
            <div className="big" data-testid="metric-total">
              {formatNumber(metric.total, metric.definition.unit)}
            </div>
            {metric.comparison && (
              <div data-testid="metric-comparison">
                vs {formatNumber(metric.comparison.total, metric.definition.unit)} (
                {metric.comparison.change >= 0 ? '+' : ''}
                {formatNumber(metric.comparison.change, metric.definition.unit)}
                {metric.comparison.changeRatio !== null &&
                  `, ${metric.comparison.changeRatio >= 0 ? '+' : ''}${(metric.comparison.changeRatio * 100).toFixed(1)}%`}
                )
              </div>
            )}
            <div>
              version {metric.definition.version} · {shortDate(metric.window.from)} →{' '}
              {shortDate(metric.window.to)} {metric.window.timezone} ·{' '}
              <FreshnessNote freshness={metric.freshness} />
            </div>
          </div>
          <Chart id="metric" data={chartData} />
        </>
      )}
    </section>
  );
}

/** One series per group (or one), and the comparison's series dashed beside it, bucket by bucket. */
export function chartOf(metric: MetricAnswer, kind: string): ChartData {
  const categories = [...new Set(metric.points.map((p) => shortDate(p.start, metric.grain)))];
  const series: ChartData['series'] = [];
  const groups = groupPoints(metric.points);
  for (const [group, points] of groups) {
    series.push({ name: group || metric.definition.label, values: points.map((p) => p.value) });
  }
  if (metric.comparison) {
    for (const [group, points] of groupPoints(metric.comparison.points)) {
      series.push({
        name: `${group || metric.definition.label} (comparison)`,
        values: points.map((p) => p.value),
        dashed: true,
      });
    }
  }
  return { kind: kind === 'bar' ? 'bar' : 'line', categories, series };
}

/** Points by their group-by values, each group in bucket order. */
function groupPoints(points: Point[]): Map<string, Point[]> {
  const groups = new Map<string, Point[]>();
  for (const point of points) {
    const name = Object.values(point.dimensions ?? {}).join(' / ');
    groups.set(name, [...(groups.get(name) ?? []), point]);
  }
  return groups;
}
