import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { HarmonyError } from '../shared/errors';
import { DefinitionError, validateCatalog } from './catalog-validation';
import type { CatalogEntry } from './catalog-loader';
import type { EventReference, MetricDefinition } from './definition';

export type StoredDefinition = {
  name: string;
  version: number;
  definition: MetricDefinition;
  updatedAt: Date;
};

export type DefinitionVersion = {
  version: number;
  changedAt: Date;
  changedBy: string;
  reason: string;
  definition: MetricDefinition;
};

/** Serialises concurrent syncs and defines (two servers starting at once). */
const LOCK_KEY = 'harmony:metric_definitions';

/**
 * Versioned metric definitions in PostgreSQL. Every change is a new row in
 * metric_definition_versions with who, when and why; unchanged input records nothing.
 */
export class DefinitionStore {
  constructor(private readonly dataSource: DataSource) {}

  async current(): Promise<StoredDefinition[]> {
    const rows: Array<{
      name: string;
      version: number;
      definition: MetricDefinition;
      updated_at: Date;
    }> = await this.dataSource.query(
      `SELECT name, version, definition, updated_at FROM metric_definitions ORDER BY name`,
    );
    return rows.map((row) => ({
      name: row.name,
      version: row.version,
      definition: row.definition,
      updatedAt: row.updated_at,
    }));
  }

  async versions(name: string): Promise<DefinitionVersion[]> {
    const rows: Array<{
      version: number;
      changed_at: Date;
      changed_by: string;
      reason: string;
      definition: MetricDefinition;
    }> = await this.dataSource.query(
      `SELECT version, changed_at, changed_by, reason, definition
       FROM metric_definition_versions WHERE name = $1 ORDER BY version`,
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

  /**
   * Records the YAML catalog: a metric whose YAML entry changed since the last sync gets a new
   * version; one changed only through the API keeps its API version until its YAML changes.
   * Returns the names that got a new version.
   */
  async syncCatalog(entries: CatalogEntry[], changedBy: string): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      const existing = await this.currentIn(manager);
      const yamlNames = new Set(entries.map((e) => e.definition.name));
      validateCatalog([
        ...entries.map((e) => ({ definition: e.definition, origin: { file: e.file } })),
        ...existing
          .filter((row) => !yamlNames.has(row.name))
          .map((row) => ({ definition: row.definition, origin: { file: 'defineMetric' } })),
      ]);
      const changed: string[] = [];
      const hashes: Array<{ name: string; yaml_hash: string | null }> = await manager.query(
        `SELECT name, yaml_hash FROM metric_definitions`,
      );
      const yamlHashOf = new Map(hashes.map((row) => [row.name, row.yaml_hash]));
      for (const entry of entries) {
        const yamlHash = hashOf(entry.definition);
        if (yamlHashOf.get(entry.definition.name) === yamlHash) continue;
        const resolved = await resolveEvents(manager, entry.definition, entry.file);
        const reason = yamlHashOf.has(entry.definition.name)
          ? `${entry.file} changed`
          : `added in ${entry.file}`;
        await this.record(manager, resolved, changedBy, reason, { yamlHash, file: entry.file });
        changed.push(entry.definition.name);
      }
      return changed;
    });
  }

  /** Records one definition from the API; identical to the current version records nothing. */
  async define(definition: MetricDefinition, changedBy: string, reason: string): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      const existing = await this.currentIn(manager);
      const resolved = await resolveEvents(manager, definition, 'defineMetric');
      try {
        validateCatalog([
          ...existing
            .filter((row) => row.name !== definition.name)
            .map((row) => ({ definition: row.definition, origin: { file: 'catalog' } })),
          { definition: resolved, origin: { file: 'defineMetric' } },
        ]);
      } catch (error) {
        throw asInputError(error);
      }
      return this.record(manager, resolved, changedBy, reason, null);
    });
  }

  private async currentIn(manager: EntityManager): Promise<StoredDefinition[]> {
    const rows: Array<{
      name: string;
      version: number;
      definition: MetricDefinition;
      updated_at: Date;
    }> = await manager.query(
      `SELECT name, version, definition, updated_at FROM metric_definitions`,
    );
    return rows.map((row) => ({
      name: row.name,
      version: row.version,
      definition: row.definition,
      updatedAt: row.updated_at,
    }));
  }

  /** Writes a new version unless the definition equals the current one; returns the version. */
  private async record(
    manager: EntityManager,
    definition: MetricDefinition,
    changedBy: string,
    reason: string,
    yaml: { yamlHash: string; file: string } | null,
  ): Promise<number> {
    const definitionHash = hashOf(definition);
    const [current]: Array<{ version: number; definition_hash: string }> = await manager.query(
      `SELECT version, definition_hash FROM metric_definitions WHERE name = $1 FOR UPDATE`,
      [definition.name],
    );
    if (current && current.definition_hash === definitionHash) {
      if (yaml) {
        await manager.query(
          `UPDATE metric_definitions SET yaml_hash = $2, source_file = $3 WHERE name = $1`,
          [definition.name, yaml.yamlHash, yaml.file],
        );
      }
      return current.version;
    }
    const version = (current?.version ?? 0) + 1;
    await manager.query(
      `INSERT INTO metric_definitions (name, version, definition, definition_hash, yaml_hash, source_file)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition,
         definition_hash = EXCLUDED.definition_hash,
         yaml_hash = coalesce(EXCLUDED.yaml_hash, metric_definitions.yaml_hash),
         source_file = coalesce(EXCLUDED.source_file, metric_definitions.source_file),
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
      `INSERT INTO metric_definition_versions (name, version, definition, changed_by, reason)
       VALUES ($1, $2, $3, $4, $5)`,
      [definition.name, version, definition, changedBy, reason],
    );
    return version;
  }
}

/**
 * Replaces event keys by `{ id, key }`, the stable definition id, looked up through the
 * aliases (every key an event ever had), so a later rename changes nothing.
 */
async function resolveEvents(
  manager: EntityManager,
  definition: MetricDefinition,
  file: string,
): Promise<MetricDefinition> {
  if (!('event' in definition) || definition.event === undefined) return definition;
  const reference: EventReference = definition.event;
  const rows: Array<{ id: string; key: string }> =
    typeof reference === 'string'
      ? await manager.query(
          `SELECT d.id::text AS id, d.key FROM event_definition_aliases a
           JOIN event_definitions d ON d.id = a.definition_id WHERE a.alias = $1`,
          [reference],
        )
      : await manager.query(`SELECT id::text AS id, key FROM event_definitions WHERE id = $1`, [
          reference.id,
        ]);
  if (!rows.length) {
    const shown = typeof reference === 'string' ? reference : `id ${reference.id}`;
    throw asInputError(
      new DefinitionError(file, definition.name, 'event', `unknown event "${shown}"`),
    );
  }
  return { ...definition, event: { id: rows[0].id, key: rows[0].key } } as MetricDefinition;
}

/**
 * The catalog entries whose `event` names no event definition (by key or any old alias), as
 * messages naming the file, the metric and the event. Reads only: `metrics:sync --check`.
 */
export async function unknownEventReferences(
  manager: EntityManager,
  entries: Array<{ definition: MetricDefinition; file: string }>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { definition, file } of entries) {
    try {
      await resolveEvents(manager, definition, file);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
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

/** Definition problems become INVALID_METRIC_DEFINITION errors naming file, metric and field. */
export function asInputError(error: unknown): unknown {
  if (!(error instanceof DefinitionError)) return error;
  return new HarmonyError('INVALID_METRIC_DEFINITION', error.message, {
    file: error.file,
    metric: error.metric,
    field: error.field,
  });
}
