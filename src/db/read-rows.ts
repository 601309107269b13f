import { createHash } from 'node:crypto';
import type { Pool, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** Distinct statement texts prepared by name; past it, statements run unnamed (parsed each time). */
const MAX_NAMED_STATEMENTS = 256;
const names = new Map<string, string>();

/**
 * Runs a read statement of a page (a list, a loader) on the pool as a named, prepared statement:
 * PostgreSQL parses and plans a loader's fixed SQL once per connection rather than once per
 * request, and the call skips TypeORM's query runner. The statement is still reported to the data
 * source's logger (tests count statements there). Errors are node-postgres's own, which
 * `db/unavailable.ts` reads like TypeORM's. Why: docs/api-speed.md.
 */
export async function readRows<Row = Record<string, unknown>>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
): Promise<Row[]> {
  dataSource.logger.logQuery(sql, params);
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const query: QueryConfig = { text: sql, values: params };
  const name = statementName(sql);
  if (name) query.name = name;
  const result = await pool.query(query);
  return result.rows as Row[];
}

function statementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
    name = `harmony_read_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}
