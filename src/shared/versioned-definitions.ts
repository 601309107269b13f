import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** A definition as it is now: its name, its version and when that version was recorded. */
export type StoredDefinition<D> = {
  name: string;
  version: number;
  definition: D;
  updatedAt: Date;
};

/** One recorded version, with who changed it, when and why. */
export type DefinitionVersion<D> = {
  version: number;
  changedAt: Date;
  changedBy: string;
  reason: string;
  definition: D;
};

/** A definition read from a YAML file of the catalog. */
export type YamlEntry<D> = { definition: D; file: string };

type YamlOrigin = { yamlHash: string; file: string };

/**
 * Versioned definitions in two tables named after `kind`: `<kind>s` (the current version, with
 * the hashes of the definition and of its YAML entry) and `<kind>_versions` (every version with
 * who, when and why). Metrics, segments and thresholds are all kept this way:
 * - an identical definition records nothing (the hash is of canonical JSON, so formatting or
 *   key order never makes a version);
 * - a YAML entry wins only when its YAML changed since the last sync, so a definition changed
 *   through the API keeps its API version until someone edits the file;
 * - writers serialise on one advisory lock per kind (two servers starting at once).
 */
export class VersionedDefinitions<D extends { name: string }> {
  private readonly table: string;
  private readonly versionsTable: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly kind: 'metric_definition' | 'segment_definition' | 'threshold_definition',
  ) {
    this.table = `${kind}s`;
    this.versionsTable = `${kind}_versions`;
  }

  async current(db: DataSource | EntityManager = this.dataSource): Promise<StoredDefinition<D>[]> {
    const rows: Array<{ name: string; version: number; definition: D; updated_at: Date }> =
      await db.query(
        `SELECT name, version, definition, updated_at FROM ${this.table} ORDER BY name`,
      );
    return rows.map((row) => ({
      name: row.name,
      version: row.version,
      definition: row.definition,
      updatedAt: row.updated_at,
    }));
  }

  async versions(name: string): Promise<DefinitionVersion<D>[]> {
    const rows: Array<{
      version: number;
      changed_at: Date;
      changed_by: string;
      reason: string;
      definition: D;
    }> = await this.dataSource.query(
      `SELECT version, changed_at, changed_by, reason, definition
       FROM ${this.versionsTable} WHERE name = $1 ORDER BY version`,
      [name],
    );
    return rows.map((row) => ({
      version: row.version,
      changedAt: row.changed_at,
      changedBy: row.changed_by,
      reason: row.reason,
      definition: row.definition,
    }));
  }

  /** Runs `work` in a transaction holding this kind's writer lock. */
  async locked<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`harmony:${this.table}`]);
      return work(manager);
    });
  }

  /**
   * Records the YAML entries whose YAML changed since the last sync (inside `locked`); `prepare`
   * may rewrite a definition before it is recorded. Returns the names that got a new version.
   */
  async syncYaml(
    manager: EntityManager,
    entries: YamlEntry<D>[],
    changedBy: string,
    prepare: (entry: YamlEntry<D>) => Promise<D> = async (entry) => entry.definition,
  ): Promise<string[]> {
    const rows: Array<{ name: string; yaml_hash: string | null }> = await manager.query(
      `SELECT name, yaml_hash FROM ${this.table}`,
    );
    const yamlHashOf = new Map(rows.map((row) => [row.name, row.yaml_hash]));
    const changed: string[] = [];
    for (const entry of entries) {
      const { name } = entry.definition;
      const yamlHash = hashOf(entry.definition);
      if (yamlHashOf.get(name) === yamlHash) continue;
      const reason = yamlHashOf.has(name) ? `${entry.file} changed` : `added in ${entry.file}`;
      const definition = await prepare(entry);
      const recorded = await this.record(manager, definition, changedBy, reason, {
        yamlHash,
        file: entry.file,
      });
      if (recorded.changed) changed.push(name);
    }
    return changed;
  }

  /**
   * Writes a new version unless the definition equals the current one (inside `locked`).
   * `changed` says whether a version was written.
   */
  async record(
    manager: EntityManager,
    definition: D,
    changedBy: string,
    reason: string,
    yaml: YamlOrigin | null = null,
  ): Promise<{ version: number; changed: boolean }> {
    const definitionHash = hashOf(definition);
    const [current]: Array<{ version: number; definition_hash: string }> = await manager.query(
      `SELECT version, definition_hash FROM ${this.table} WHERE name = $1 FOR UPDATE`,
      [definition.name],
    );
    if (current && current.definition_hash === definitionHash) {
      if (yaml) {
        await manager.query(
          `UPDATE ${this.table} SET yaml_hash = $2, source_file = $3 WHERE name = $1`,
          [definition.name, yaml.yamlHash, yaml.file],
        );
      }
      return { version: current.version, changed: false };
    }
    const version = (current?.version ?? 0) + 1;
    await manager.query(
      `INSERT INTO ${this.table} (name, version, definition, definition_hash, yaml_hash, source_file)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition,
         definition_hash = EXCLUDED.definition_hash,
         yaml_hash = coalesce(EXCLUDED.yaml_hash, ${this.table}.yaml_hash),
         source_file = coalesce(EXCLUDED.source_file, ${this.table}.source_file),
         updated_at = clock_timestamp()`,
      [
        definition.name,
        version,
        definition,
        definitionHash,
        yaml?.yamlHash ?? null,
        yaml?.file ?? null,
      ],
    );
    await manager.query(
      `INSERT INTO ${this.versionsTable} (name, version, definition, changed_by, reason)
       VALUES ($1, $2, $3, $4, $5)`,
      [definition.name, version, definition, changedBy, reason],
    );
    return { version, changed: true };
  }
}

/** A stable hash of a definition: keys sorted, so formatting never makes a new version. */
export function hashOf(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
