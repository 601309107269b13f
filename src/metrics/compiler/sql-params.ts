/**
 * Collects bind parameters while SQL text is assembled: every user value becomes `$n::type`,
 * so nothing a caller sends is ever spliced into the statement.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder with an explicit cast. */
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** A compiled statement: text plus the values bound to its placeholders. */
export type CompiledSql = { sql: string; params: unknown[] };

/** Trims the indentation template literals leave, so `sql` reads well in the admin field. */
export function tidy(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n')
    .replace(/^ {4}/gm, '')
    .trim();
}

/** `WHERE a AND b …`, or nothing when there are no conditions. */
export function whereSql(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join('\n      AND ')}` : '';
}
