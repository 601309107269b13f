import { parse } from 'csv-parse/sync';
import { HarmonyError } from '../../shared/errors';
import {
  checkPlanEntry,
  planEntryKey,
  type PlanEntry,
  type RawPlanEntry,
} from './plan-entry-input';

/** Columns of a plan sheet; `kind` (default target) and `dimension` may be left out. */
export const PLAN_CSV_COLUMNS = ['kind', 'metric', 'period', 'value', 'dimension'] as const;
const REQUIRED_COLUMNS = ['metric', 'period', 'value'];
/** Most rows one file may hold (a plan is months x metrics x plans: thousands, not millions). */
export const MAX_PLAN_CSV_ROWS = 50_000;
/** Problems listed in one error before the rest are only counted. */
const MAX_LISTED_PROBLEMS = 20;

export type PlanCsvProblem = { line: number; column: string; message: string };

/**
 * Parses and checks a whole plan sheet. Any bad row fails the whole file (nothing is written):
 * the error lists each problem as `file line N, column "x": ...` (lines count from 1 with the
 * header as line 1, as a spreadsheet shows them).
 */
export function parsePlanCsv(
  text: string,
  file: string,
  isMetric: (name: string) => boolean,
): PlanEntry[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      comment: '#',
      comment_no_infix: true,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw planCsvError(file, [{ line: line ?? 0, column: '-', message: (error as Error).message }]);
  }
  const columns = records[0] ? Object.keys(records[0].record) : headerOf(text);
  const unknown = columns.filter((c) => !(PLAN_CSV_COLUMNS as readonly string[]).includes(c));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (unknown.length || missing.length) {
    const problems = [
      ...unknown.map((c) => `unknown column "${c}"`),
      ...missing.map((c) => `missing column "${c}"`),
    ];
    throw planCsvError(file, [
      {
        line: 1,
        column: '-',
        message: `${problems.join(', ')}; expected the header ${PLAN_CSV_COLUMNS.join(',')} (kind and dimension optional)`,
      },
    ]);
  }
  if (records.length > MAX_PLAN_CSV_ROWS) {
    throw planCsvError(file, [
      {
        line: 0,
        column: '-',
        message: `expected at most ${MAX_PLAN_CSV_ROWS} rows, got ${records.length}`,
      },
    ]);
  }
  const problems: PlanCsvProblem[] = [];
  const entries: PlanEntry[] = [];
  const lineOfKey = new Map<string, number>();
  for (const { record, info } of records) {
    const checked = checkPlanEntry(record as RawPlanEntry, isMetric);
    if ('field' in checked) {
      problems.push({ line: info.lines, column: checked.field, message: checked.message });
      continue;
    }
    const key = planEntryKey(checked);
    const earlier = lineOfKey.get(key);
    if (earlier !== undefined) {
      problems.push({
        line: info.lines,
        column: 'period',
        message: `the same ${checked.kind} (metric, period, dimension) as line ${earlier}`,
      });
      continue;
    }
    lineOfKey.set(key, info.lines);
    entries.push(checked);
  }
  if (problems.length) throw planCsvError(file, problems);
  return entries;
}

function headerOf(text: string): string[] {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first ? first.split(',').map((c) => c.trim().toLowerCase()) : [];
}

function planCsvError(file: string, problems: PlanCsvProblem[]): HarmonyError {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => `${file} line ${p.line}, column "${p.column}": ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) {
    listed.push(`... and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  }
  return new HarmonyError(
    'BAD_USER_INPUT',
    `${listed.join('\n')}\nnothing was imported: fix the file and import it again`,
    { file, problems: problems.slice(0, MAX_LISTED_PROBLEMS) },
  );
}
