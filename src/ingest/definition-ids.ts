import { sortedUnique, type Sql } from './sql';

/**
 * Event name → event definition id. Aliases never move to another definition, so what was
 * learned is cached for the life of the process (but only once its transaction committed).
 */
export class DefinitionIds {
  private readonly cache = new Map<string, string>();

  /**
   * Resolves names through every key a definition ever had; a name never seen creates a
   * definition (key and display name = the name) and records that change, naming the API key.
   */
  async resolve(
    sql: Sql,
    names: Iterable<string>,
    actor: string,
  ): Promise<{ ids: Map<string, string>; learned: Map<string, string> }> {
    const ids = new Map<string, string>();
    const learned = new Map<string, string>();
    const unknown = sortedUnique(names).filter((name) => {
      const id = this.cache.get(name);
      if (id) ids.set(name, id);
      return !id;
    });
    if (unknown.length === 0) return { ids, learned };
    const known = await this.lookup(sql, unknown);
    const missing = unknown.filter((name) => !known.has(name));
    if (missing.length) {
      await sql(
        `WITH created AS (
           INSERT INTO event_definitions (key, display_name, source)
           SELECT k, k, 'ingest' FROM unnest($1::text[]) AS k ORDER BY k
           ON CONFLICT (key) DO NOTHING
           RETURNING id, key
         ),
         aliases AS (
           INSERT INTO event_definition_aliases (alias, definition_id)
           SELECT key, id FROM created ON CONFLICT DO NOTHING
         )
         INSERT INTO event_definition_changes (definition_id, change, after, changed_by, reason)
         SELECT id, 'create', jsonb_build_object('key', key, 'displayName', key), $2,
                'first event with this name'
         FROM created`,
        [missing, actor],
      );
      for (const [name, id] of await this.lookup(sql, missing)) known.set(name, id);
    }
    for (const [name, id] of known) {
      ids.set(name, id);
      learned.set(name, id);
    }
    return { ids, learned };
  }

  /** Adds what a committed transaction learned. */
  remember(learned: Map<string, string>): void {
    if (this.cache.size > 100_000) this.cache.clear();
    for (const [name, id] of learned) this.cache.set(name, id);
  }

  private async lookup(sql: Sql, names: string[]): Promise<Map<string, string>> {
    const rows = await sql<{ alias: string; definition_id: string }>(
      `SELECT alias, definition_id FROM event_definition_aliases WHERE alias = ANY($1::text[])`,
      [names],
    );
    return new Map(rows.map((row) => [row.alias, String(row.definition_id)]));
  }
}
