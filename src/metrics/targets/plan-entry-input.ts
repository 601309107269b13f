import { parsePlanPeriod, type PlanPeriod } from './plan-period';

/** `target`: a plan value for a catalog metric; `actual`: a monthly financial figure. */
export type PlanEntryKind = 'target' | 'actual';

/** One row of the plan as a caller sends it (GraphQL input or a CSV row), before checks. */
export type RawPlanEntry = {
  kind?: string | null;
  metric?: string | null;
  period?: string | null;
  value?: string | number | null;
  dimension?: string | null;
};

/** A checked row, ready to store. `dimension` is '' when the row is for the whole business. */
export type PlanEntry = {
  kind: PlanEntryKind;
  metric: string;
  period: PlanPeriod;
  value: string;
  dimension: string;
};

/** A problem with one field of one row: the caller names the row (a CSV line, inputs[i]). */
export type EntryProblem = { field: keyof RawPlanEntry; message: string };

const SERIES = /^[a-z][a-z0-9_]{0,62}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Longest plan code or segment name a target may name. */
export const MAX_DIMENSION_LENGTH = 200;

/**
 * Checks one row. A target names a metric of the catalog (`isMetric`); an actual names a
 * series (snake_case, e.g. operating_expenses) and a month, and has no dimension.
 */
export function checkPlanEntry(
  raw: RawPlanEntry,
  isMetric: (name: string) => boolean,
): PlanEntry | EntryProblem {
  const kindText = (raw.kind ?? 'target').toString().trim().toLowerCase() || 'target';
  if (kindText !== 'target' && kindText !== 'actual') {
    return { field: 'kind', message: `expected "target" or "actual", got "${raw.kind}"` };
  }
  const kind = kindText as PlanEntryKind;
  const metric = (raw.metric ?? '').trim();
  if (kind === 'target' && !isMetric(metric)) {
    return { field: 'metric', message: `expected a metric of the catalog, got "${metric}"` };
  }
  if (kind === 'actual' && !SERIES.test(metric)) {
    return {
      field: 'metric',
      message: `expected a snake_case series name such as operating_expenses, got "${metric}"`,
    };
  }
  const periodText = (raw.period ?? '').trim();
  const period = parsePlanPeriod(periodText);
  if (!period) {
    return {
      field: 'period',
      message: `expected a month like 2026-01 or a quarter like 2026-Q1, got "${periodText}"`,
    };
  }
  if (kind === 'actual' && period.months !== 1) {
    return {
      field: 'period',
      message: `actuals are monthly: expected a month like 2026-01, got "${periodText}"`,
    };
  }
  const valueText = typeof raw.value === 'number' ? String(raw.value) : (raw.value ?? '').trim();
  if (typeof raw.value === 'number' ? !Number.isFinite(raw.value) : !DECIMAL.test(valueText)) {
    return {
      field: 'value',
      message: `expected a number such as 125000 or 0.95 (no thousands separators or currency signs), got "${valueText}"`,
    };
  }
  const dimension = (raw.dimension ?? '').trim();
  if (dimension.length > MAX_DIMENSION_LENGTH) {
    return { field: 'dimension', message: `expected at most ${MAX_DIMENSION_LENGTH} characters` };
  }
  if (kind === 'actual' && dimension) {
    return {
      field: 'dimension',
      message: `actuals are company-wide: expected no dimension, got "${dimension}"`,
    };
  }
  return { kind, metric, period, value: valueText, dimension };
}

/** The identity of a row: a second row with the same key in one batch is an error. */
export function planEntryKey(entry: PlanEntry): string {
  return [entry.kind, entry.metric, entry.period.start, entry.period.months, entry.dimension].join(
    '\u0000',
  );
}
