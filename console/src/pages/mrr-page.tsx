import { useMemo } from 'react';
import type { SchemaShape } from '../api';
import { Chart, type ChartData } from '../chart';
import { formatNumber, shortDate } from '../format';
import { setParams, type Route } from '../router';
import { ErrorBox, FreshnessNote, RELATIVE_WINDOWS, useQuery, type Freshness } from './shared';

/** The five movements, in the order they are stacked; the last two take MRR away. */
export const MOVEMENTS = [
  { name: 'new_mrr', label: 'New', sign: 1, color: '#16a34a' },
  { name: 'expansion_mrr', label: 'Expansion', sign: 1, color: '#22c55e' },
  { name: 'reactivation_mrr', label: 'Reactivation', sign: 1, color: '#0891b2' },
  { name: 'contraction_mrr', label: 'Contraction', sign: -1, color: '#f97316' },
  { name: 'churned_mrr', label: 'Churn', sign: -1, color: '#dc2626' },
] as const;

type Point = { start: string; value: number; target?: number | null; attainment?: number | null };
type Result = {
  name: string;
  window: { from: string; to: string };
  points: Point[];
  freshness: Freshness;
};

/**
 * Movements per month over the window, and MRR per month from one month earlier: month m's
 * movements compare MRR on its first day with MRR on the first day of month m−1.
 */
export function mrrQueries(shape: SchemaShape) {
  const targets = shape.has('MetricPoint', 'target') ? ' target' : '';
  const attainment = shape.has('MetricPoint', 'attainment') ? ' attainment' : '';
  const source = shape.has('Freshness', 'source') ? ' source' : '';
  return {
    movements: `query ConsoleMovements($window: WindowInput!) {
      metrics(names: [${MOVEMENTS.map((m) => `"${m.name}"`).join(', ')}], window: $window, grain: MONTH) {
        name window { from to } points { start value${targets}${attainment} }
        freshness { tier computedAt ageSeconds cacheHit${source} }
      }
    }`,
    mrr: `query ConsoleMrr($window: WindowInput!) {
      metric(name: "mrr", window: $window, grain: MONTH) {
        name window { from to } points { start value${targets}${attainment} }
        freshness { tier computedAt ageSeconds cacheHit${source} }
      }
    }`,
    hasTargets: targets !== '',
  };
}

/** The first instant of the month before `iso` (UTC). */
export function monthBefore(iso: string): string {
  const date = new Date(iso);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1)).toISOString();
}

export type MonthBridge = {
  month: string;
  start: number;
  end: number;
  movements: Record<string, number>;
  net: number;
  target: number | null;
};

/** Month by month: MRR at the start, each movement, MRR at the end. */
export function bridgesOf(movements: Result[], mrr: Result): MonthBridge[] {
  const mrrByStart = new Map(mrr.points.map((p) => [p.start, p]));
  const months = movements[0]?.points.map((p) => p.start) ?? [];
  return months.map((month, index) => {
    const values: Record<string, number> = {};
    for (const movement of MOVEMENTS) {
      values[movement.name] = movements.find((r) => r.name === movement.name)!.points[index].value;
    }
    const net = MOVEMENTS.reduce((sum, m) => sum + m.sign * values[m.name], 0);
    return {
      month,
      start: mrrByStart.get(monthBefore(month))?.value ?? 0,
      end: mrrByStart.get(month)?.value ?? 0,
      movements: values,
      net,
      target: mrrByStart.get(month)?.target ?? null,
    };
  });
}

export function MrrPage({ shape, route }: { shape: SchemaShape; route: Route }) {
  const relative = route.params.get('relative') ?? 'LAST_12_MONTHS';
  const queries = useMemo(() => mrrQueries(shape), [shape]);
  const movements = useQuery<{ metrics: Result[] }>(queries.movements, { window: { relative } }, [
    relative,
  ]);
  const window = movements.data?.metrics[0]?.window;
  const mrr = useQuery<{ metric: Result }>(
    window ? queries.mrr : null,
    window ? { window: { from: monthBefore(window.from), to: window.to } } : {},
    [window?.from, window?.to],
  );
  const bridges = useMemo(
    () => (movements.data && mrr.data ? bridgesOf(movements.data.metrics, mrr.data.metric) : null),
    [movements.data, mrr.data],
  );
  const selected = route.params.get('month') ?? bridges?.[bridges.length - 1]?.month;
  const bridge = bridges?.find((b) => b.month === selected) ?? bridges?.[bridges.length - 1];

  return (
    <section data-page="mrr">
      <h1>MRR movements</h1>
      <div className="controls">
        <label>
          Window
          <select
            name="window"
            value={relative}
            onChange={(e) => setParams('mrr', { relative: e.target.value })}
          >
            {RELATIVE_WINDOWS.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
        {bridges && (
          <label>
            Waterfall of
            <select
              name="month"
              value={bridge?.month}
              onChange={(e) => setParams('mrr', { relative, month: e.target.value })}
            >
              {bridges.map((b) => (
                <option key={b.month} value={b.month}>
                  {shortDate(b.month, 'MONTH')}
                </option>
              ))}
            </select>
          </label>
        )}
        {movements.data?.metrics[0] && (
          <FreshnessNote freshness={movements.data.metrics[0].freshness} />
        )}
      </div>
      <ErrorBox message={movements.error ?? mrr.error} />
      {!queries.hasTargets && (
        <p className="muted" data-testid="no-targets">
          Plan targets: this server's schema has no <code>MetricPoint.target</code>, so only actuals
          are shown.
        </p>
      )}
      {bridges && bridge && (
        <>
          <h2>Waterfall of {shortDate(bridge.month, 'MONTH')}</h2>
          <Chart id="mrr-waterfall" data={waterfallOf(bridge)} height={300} />
          <h2>Movements per month</h2>
          <Chart
            id="mrr-movements"
            data={movementsChartOf(bridges, queries.hasTargets)}
            height={320}
          />
          <BridgeTable bridges={bridges} hasTargets={queries.hasTargets} />
        </>
      )}
    </section>
  );
}

/** Start → each movement → end, each bar floating on the running level. */
export function waterfallOf(bridge: MonthBridge): ChartData {
  const categories = ['Start MRR', ...MOVEMENTS.map((m) => m.label), 'End MRR'];
  const base: number[] = [0];
  const values: number[] = [bridge.start];
  let level = bridge.start;
  for (const movement of MOVEMENTS) {
    const amount = movement.sign * bridge.movements[movement.name];
    base.push(amount >= 0 ? level : level + amount);
    values.push(amount);
    level += amount;
  }
  base.push(0);
  values.push(bridge.end);
  return {
    kind: 'waterfall',
    categories,
    series: [{ name: 'MRR', values, base, color: '#2563eb' }],
  };
}

/** Gains above zero, losses below, stacked per month, with the MRR change as a line. */
export function movementsChartOf(bridges: MonthBridge[], hasTargets: boolean): ChartData {
  const series: ChartData['series'] = MOVEMENTS.map((m) => ({
    name: m.label,
    values: bridges.map((b) => m.sign * b.movements[m.name]),
    color: m.color,
  }));
  series.push({
    name: 'MRR change',
    values: bridges.map((b) => b.end - b.start),
    dashed: true,
    color: '#111827',
  });
  if (hasTargets) {
    series.push({
      name: 'MRR target',
      values: bridges.map((b) => b.target),
      dashed: true,
      color: '#9333ea',
    });
  }
  return { kind: 'stacked', categories: bridges.map((b) => shortDate(b.month, 'MONTH')), series };
}

function BridgeTable({ bridges, hasTargets }: { bridges: MonthBridge[]; hasTargets: boolean }) {
  return (
    <table className="grid" data-testid="mrr-bridge">
      <thead>
        <tr>
          <th>Month</th>
          <th>Start MRR</th>
          {MOVEMENTS.map((m) => (
            <th key={m.name}>{m.label}</th>
          ))}
          <th>End MRR</th>
          <th>Adds up</th>
          {hasTargets && <th>Target</th>}
        </tr>
      </thead>
      <tbody>
        {bridges.map((b) => {
          const addsUp = Math.abs(b.start + b.net - b.end) < 0.005;
          return (
            <tr key={b.month}>
              <td>{shortDate(b.month, 'MONTH')}</td>
              <td>{formatNumber(b.start, 'currency')}</td>
              {MOVEMENTS.map((m) => (
                <td key={m.name} className={m.sign < 0 ? 'negative' : ''}>
                  {m.sign < 0 ? '−' : '+'}
                  {formatNumber(b.movements[m.name], 'currency')}
                </td>
              ))}
              <td>{formatNumber(b.end, 'currency')}</td>
              <td className={addsUp ? 'ok' : 'negative'}>
                {addsUp ? '✓' : `off by ${formatNumber(b.start + b.net - b.end)}`}
              </td>
              {hasTargets && <td>{formatNumber(b.target, 'currency')}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
