/**
 * Plan periods as a spreadsheet writes them: a month (`2026-01`) or a quarter (`2026-Q1`).
 * Stored as the first day of the period and its length in months.
 */
export type PlanPeriod = { start: string; months: 1 | 3 };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-Q([1-4])$/i;

/** The period a text names, or null when it is neither a month nor a quarter. */
export function parsePlanPeriod(text: string): PlanPeriod | null {
  const month = MONTH.exec(text);
  if (month) return { start: `${month[1]}-${month[2]}-01`, months: 1 };
  const quarter = QUARTER.exec(text);
  if (quarter) {
    const first = (Number(quarter[2]) - 1) * 3 + 1;
    return { start: `${quarter[1]}-${String(first).padStart(2, '0')}-01`, months: 3 };
  }
  return null;
}

/** `2026-01` or `2026-Q1` for a stored period. */
export function formatPlanPeriod(start: string, months: number): string {
  const [year, month] = start.split('-');
  if (months === 3) return `${year}-Q${Math.floor((Number(month) - 1) / 3) + 1}`;
  return `${year}-${month}`;
}
