import { sqlLiteral } from './sql';

/**
 * Several data-modifying CTEs as one statement: the writes that lock contended rows (rollups,
 * users, accounts) go to PostgreSQL at the end of the transaction, in the same message as the
 * COMMIT, so concurrent batches hold those locks for as short a time as possible. Values are
 * written into the text (as typed literals): a message carrying several statements cannot have
 * parameters.
 */
export class CombinedStatement {
  private readonly parts: string[] = [];

  /** A value as a typed literal, e.g. `'{1,2}'::bigint[]`. */
  param(value: unknown, cast: string): string {
    return `${sqlLiteral(value)}::${cast}`;
  }

  /** Adds a CTE; `name` must be unique in the statement. */
  add(name: string, body: string): void {
    this.parts.push(`${name} AS (${body})`);
  }

  /** The statement's text, or null when nothing was added. */
  text(): string | null {
    if (this.parts.length === 0) return null;
    return `WITH ${this.parts.join(',\n')} SELECT 1`;
  }
}
