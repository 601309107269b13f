import type { EntityManager } from 'typeorm';
import { isoTimestamp } from './utc-text';

/** Runs one parameterised statement inside the current transaction and returns its rows. */
export type Sql = <Row = any>(text: string, params?: unknown[]) => Promise<Row[]>;

export function sqlOf(manager: EntityManager): Sql {
  return (text, params) => manager.query(text, params);
}

/** Unique values in a stable (sorted) order: rows are always locked in the same order. */
export function sortedUnique<T extends string>(values: Iterable<T | null | undefined>): T[] {
  const set = new Set<T>();
  for (const value of values) if (value != null) set.add(value);
  return [...set].sort();
}

/** Numeric ids (bigint as text) sorted numerically, so lock order matches index order. */
export function sortedIds(values: Iterable<string | null | undefined>): string[] {
  return sortedUnique(values).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : a === b ? 0 : 1));
}

/**
 * A value written into SQL text: null, a string or number, or an array of those (as an array
 * literal). For statements sent without parameters (several statements in one message).
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return escapeLiteral(`{${value.map(arrayElement).join(',')}}`);
  return escapeLiteral(value instanceof Date ? isoTimestamp(value) : String(value));
}

/**
 * pg's escapeLiteral, in two native passes instead of a character loop (hundreds of kilobytes
 * per batch go through here). A backslash makes it an E'' string, so it reads the same
 * whatever standard_conforming_strings says.
 */
export function escapeLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  if (!text.includes('\\')) return `'${quoted}'`;
  return ` E'${quoted.replace(/\\/g, '\\\\')}'`;
}

const NEEDS_ESCAPE = /[\\"]/;
const NEEDS_ESCAPE_ALL = /[\\"]/g;

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = value instanceof Date ? isoTimestamp(value) : String(value);
  // Ids, dates and times (most elements) hold neither character: no replace to run.
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(NEEDS_ESCAPE_ALL, '\\$&')}"` : `"${text}"`;
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** One row of COPY's text format: tab-separated, `\N` for null, newline-terminated. */
export function copyRow(values: Array<string | null>): string {
  let row = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) row += '\t';
    if (value === null) row += '\\N';
    // Ids, times and most JSON hold none of the four characters: no replace to run.
    else
      row += COPY_SPECIAL.test(value)
        ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c])
        : value;
  }
  return row + '\n';
}
