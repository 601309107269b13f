import type { EntityManager } from 'typeorm';

export type UpsertColumn = {
  /** Column name in the table. */
  column: string;
  /** Key of the input object that carries the value. */
  field: string;
  /** SQL type the JSON value is cast to. */
  type: 'text' | 'integer' | 'bigint' | 'boolean' | 'timestamptz' | 'jsonb';
  /** jsonb only: merge into the stored object instead of replacing it. */
  merge?: boolean;
  /** SQL literal used on insert when the input does not give the field (NOT NULL columns). */
  insertDefault?: string;
};

export type UpsertSpec = {
  table: string;
  /** The caller's key, e.g. external_id. */
  key: UpsertColumn;
  columns: UpsertColumn[];
};

/**
 * Inserts or updates rows keyed by the caller's id in one statement. A field missing from an
 * input leaves the stored value alone; a field given as null clears it. Table and column names
 * come from code, never from input; values travel as one jsonb parameter. Stored rows are
 * locked, and new ones inserted, in key order: overlapping batches wait, never deadlock.
 * Returns the ids in input order.
 */
export async function upsertByKey(
  manager: EntityManager,
  spec: UpsertSpec,
  inputs: Array<Record<string, unknown>>,
  source: string,
): Promise<string[]> {
  const value = (c: UpsertColumn) =>
    c.type === 'jsonb' ? `coalesce(i.p->'${c.field}', '{}')` : `(i.p->>'${c.field}')::${c.type}`;
  const assignments = spec.columns.map((c) => {
    const incoming = c.merge ? `t.${c.column} || ${value(c)}` : value(c);
    return `${c.column} = CASE WHEN i.p ? '${c.field}' THEN ${incoming} ELSE t.${c.column} END`;
  });
  const insertColumns = [spec.key, ...spec.columns];
  const sql = `
    WITH input AS (
      SELECT p, n FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS i(p, n)
    ),
    locked AS (
      SELECT t.id FROM ${spec.table} t
      WHERE t.${spec.key.column} IN (SELECT ${value(spec.key)} FROM input i)
      ORDER BY t.${spec.key.column} FOR UPDATE
    ),
    updated AS (
      UPDATE ${spec.table} t SET ${assignments.join(', ')}, deleted_at = NULL
      FROM input i, locked l WHERE t.id = l.id AND t.${spec.key.column} = ${value(spec.key)}
      RETURNING t.id, t.${spec.key.column} AS key
    ),
    fresh AS (
      -- Ids in input order (the order lists show), rows inserted in key order (the lock order).
      SELECT i.p, nextval(pg_get_serial_sequence('${spec.table}', 'id')) AS id
      FROM (
        SELECT p, n FROM input i
        WHERE NOT EXISTS (SELECT 1 FROM ${spec.table} t WHERE t.${spec.key.column} = ${value(spec.key)})
        ORDER BY n
      ) i
    ),
    inserted AS (
      INSERT INTO ${spec.table} (id, ${insertColumns.map((c) => c.column).join(', ')}, source)
      OVERRIDING SYSTEM VALUE
      SELECT i.id, ${insertColumns.map((c) => (c.insertDefault ? `coalesce(${value(c)}, ${c.insertDefault})` : value(c))).join(', ')}, $2
      FROM fresh i
      ORDER BY ${value(spec.key)}
      ON CONFLICT (${spec.key.column}) DO NOTHING
      RETURNING id, ${spec.key.column} AS key
    )
    SELECT id, key FROM updated UNION ALL SELECT id, key FROM inserted`;
  const idByKey = new Map<string, string>();
  for (let attempt = 0; attempt < 3; attempt++) {
    const pending = inputs.filter((input) => !idByKey.has(String(input[spec.key.field])));
    if (pending.length === 0) break;
    const rows: Array<{ id: string; key: string }> = await manager.query(sql, [
      JSON.stringify(pending),
      source,
    ]);
    for (const row of rows) idByKey.set(row.key, row.id);
  }
  return inputs.map((input) => {
    const id = idByKey.get(String(input[spec.key.field]));
    if (!id) throw new Error(`upsert into ${spec.table} lost a row under concurrent writes; retry`);
    return id;
  });
}
