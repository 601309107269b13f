import type { Sql } from './sql';

/**
 * Several data-modifying CTEs sent as one statement: the writes that lock contended rows
 * (rollups, users, accounts) go to PostgreSQL in one round trip at the end of the transaction,
 * so concurrent batches hold those locks for as short a time as possible.
 */
export class CombinedStatement {
  private readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds a parameter and returns its placeholder with a cast. */
  param(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.params.length}::${cast}`;
  }

  /** Adds a CTE; `name` must be unique in the statement. */
  add(name: string, body: string): void {
    this.parts.push(`${name} AS (${body})`);
  }

  async run(sql: Sql): Promise<void> {
    if (this.parts.length === 0) return;
    await sql(`WITH ${this.parts.join(',\n')} SELECT 1`, this.params);
  }
}
