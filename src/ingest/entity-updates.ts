import type { CombinedStatement } from './combined-statement';
import { sortedIds } from './sql';
import { isoTimestamp } from './utc-text';

/** What one batch changes on a user or account row; fields left undefined stay as stored. */
export type EntityChange = {
  columns: Record<string, string | number | null>;
  /** Merged into the stored traits. */
  traits?: Record<string, unknown>;
  /** Latest event time in the batch; last_seen_at only moves forward. */
  seenAt?: Date;
};

const COLUMNS = {
  users: ['email', 'name'],
  accounts: ['name', 'domain', 'industry', 'employee_count'],
} as const;

/**
 * Applies traits and last-seen times, as CTEs of the batch's final statement. Rows are locked in id order
 * first (the same order in every batch), and only rows that actually change are written, so
 * replaying a batch does not move `updated_at`.
 */
export function addEntityWrites(
  statement: CombinedStatement,
  table: 'users' | 'accounts',
  changes: Map<string, EntityChange>,
): void {
  if (changes.size === 0) return;
  const columns = COLUMNS[table];
  const ids = sortedIds(changes.keys());
  const input = ids.map((id) => {
    const change = changes.get(id)!;
    const row: Record<string, unknown> = {
      id,
      traits: change.traits && Object.keys(change.traits).length ? change.traits : null,
      seen: change.seenAt ? isoTimestamp(change.seenAt) : null,
    };
    for (const column of columns) {
      row[`set_${column}`] = column in change.columns;
      row[column] = change.columns[column] ?? null;
    }
    return row;
  });
  const types: Record<string, string> = { employee_count: 'integer' };
  const recordColumns = [
    'id bigint',
    'traits jsonb',
    'seen timestamptz',
    ...columns.flatMap((c) => [`${c} ${types[c] ?? 'text'}`, `set_${c} boolean`]),
  ];
  const differs = [
    'i.traits IS NOT NULL AND NOT (t.traits @> i.traits)',
    'i.seen IS NOT NULL AND (t.last_seen_at IS NULL OR t.last_seen_at < i.seen)',
    ...columns.map((c) => `(i.set_${c} AND t.${c} IS DISTINCT FROM i.${c})`),
  ].join(' OR ');
  statement.add(
    `${table}_input`,
    `SELECT * FROM jsonb_to_recordset(${statement.param(JSON.stringify(input), 'jsonb')})
       AS x(${recordColumns.join(', ')})`,
  );
  // The planner cannot see how few rows the input holds, and on tables of a few thousand rows
  // it would scan the whole table twice per batch; naming the ids makes it use the primary key.
  const wanted = `t.id = ANY(${statement.param(ids, 'bigint[]')})`;
  statement.add(
    `${table}_locked`,
    `SELECT t.id FROM ${table} t JOIN ${table}_input i ON i.id = t.id
     WHERE ${wanted} AND (${differs})
     ORDER BY t.id
     FOR NO KEY UPDATE OF t`,
  );
  statement.add(
    `${table}_updated`,
    `UPDATE ${table} t SET
       ${columns.map((c) => `${c} = CASE WHEN i.set_${c} THEN i.${c} ELSE t.${c} END`).join(', ')},
       traits = CASE WHEN i.traits IS NULL THEN t.traits ELSE t.traits || i.traits END,
       last_seen_at = greatest(t.last_seen_at, i.seen)
     FROM ${table}_locked l JOIN ${table}_input i ON i.id = l.id
     WHERE t.id = l.id AND ${wanted}`,
  );
}
