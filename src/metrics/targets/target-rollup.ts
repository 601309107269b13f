import { DateTime } from 'luxon';
import { REVENUE_MEASURE_TRAITS, type MetricDefinition, type TargetRollup } from '../definition';

/** A target as the rollup reads it: its period's first local day, length and value. */
export type TargetPeriod = { start: DateTime; months: number; value: number };

/**
 * How a metric's targets map to its buckets, unless its definition says (`target_rollup`):
 * flows (counts, sums, MRR movements, summed actuals) add their months; stocks (MRR, ARR,
 * paying accounts, balances, lifetime revenue) take the bucket's last month; rates and distinct
 * counts (NRR, active users, ratios) only match a target of exactly the bucket's period.
 */
export function targetRollupOf(definition: MetricDefinition): TargetRollup {
  if (definition.target_rollup) return definition.target_rollup;
  switch (definition.type) {
    case 'count':
    case 'sum':
      return 'sum';
    case 'actuals':
      return definition.aggregate;
    case 'cumulative':
      return 'last';
    case 'revenue':
      if (REVENUE_MEASURE_TRAITS[definition.measure].snapshot) return 'last';
      return ['nrr', 'grr', 'logo_churn_rate'].includes(definition.measure) ? 'exact' : 'sum';
    default:
      return 'exact';
  }
}

/**
 * The target of one bucket `[start, end)`, or null when no target applies.
 * - `sum`: each target counts for the share of its months the bucket covers (a month of a
 *   quarter target is a third of it; a day of a month target is 1/days-in-month of it).
 * - `last`: the target of the bucket's last month; else a quarter target ending with that month.
 * - `exact`: a target whose period is exactly the bucket.
 */
export function bucketTarget(
  rollup: TargetRollup,
  bucket: { start: DateTime; end: DateTime },
  targets: readonly TargetPeriod[],
): number | null {
  if (rollup === 'sum') return summedTarget(bucket, targets);
  if (rollup === 'last') {
    const lastMonth = bucket.end.minus({ milliseconds: 1 }).startOf('month').toMillis();
    const month = targets.find((t) => t.months === 1 && t.start.toMillis() === lastMonth);
    const quarter = targets.find(
      (t) => t.months === 3 && t.start.plus({ months: 2 }).toMillis() === lastMonth,
    );
    return (month ?? quarter)?.value ?? null;
  }
  const exact = targets.find(
    (t) =>
      t.start.toMillis() === bucket.start.toMillis() &&
      t.start.plus({ months: t.months }).toMillis() === bucket.end.toMillis(),
  );
  return exact?.value ?? null;
}

function summedTarget(
  bucket: { start: DateTime; end: DateTime },
  targets: readonly TargetPeriod[],
): number | null {
  let total = 0;
  let covered = false;
  for (const target of targets) {
    let share = 0;
    for (let i = 0; i < target.months; i++) {
      const month = target.start.plus({ months: i });
      const monthEnd = month.plus({ months: 1 });
      const from = Math.max(bucket.start.toMillis(), month.toMillis());
      const to = Math.min(bucket.end.toMillis(), monthEnd.toMillis());
      if (to > from) share += (to - from) / (monthEnd.toMillis() - month.toMillis());
    }
    if (share > 0) {
      covered = true;
      total += (target.value * share) / target.months;
    }
  }
  return covered ? Number(total.toPrecision(12)) : null;
}

/** actual / target; null without a target or with a target of 0. */
export function attainmentOf(actual: number, target: number | null): number | null {
  return target === null || target === 0 ? null : actual / target;
}
