import type { DataSource, EntityManager } from 'typeorm';
import { hashOf } from '../../metrics/definition-store';
import type { ThresholdDefinition } from './threshold-definition';

export type StoredThreshold = {
  name: string;
  version: number;
  definition: ThresholdDefinition;
  updatedAt: Date;
};

export type ThresholdVersion = {
  version: number;
  changedAt: Date;
  changedBy: string;
  reason: string;
  definition: ThresholdDefinition;
};

/** Serialises syncs and defines (two servers starting at once). */
const LOCK_KEY = 'harmony:threshold_definitions';

/**
 * Versioned threshold definitions, as metric definitions are: every change a new version with
 * who, when and why; an identical definition records nothing; a threshold changed through the
 * API keeps that version until its YAML entry changes.
 */
export class ThresholdStore {
  constructor(private readonly dataSource: DataSource) {}

  async current(): Promise<StoredThreshold[]> {
    const rows: Array<{
      name: string;
      version: number;
      definition: ThresholdDefinition;
      updated_at: Date;
    }> = await this.dataSource.query(
      `SELECT name, version, definition, updated_at FROM threshold_definitions ORDER BY name`,
    );
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      definition: r.definition,
      updatedAt: r.updated_at,
    }));
  }

  async versions(name: string): Promise<ThresholdVersion[]> {
    const rows: Array<{
      version: number;
      changed_at: Date;
      changed_by: string;
      reason: string;
      definition: ThresholdDefinition;
    }> = await this.dataSource.query(
      `SELECT version, changed_at, changed_by, reason, definition
       FROM threshold_definition_versions WHERE name = $1 ORDER BY version`,
      [name],
    );
    return rows.map((r) => ({
      version: r.version,
      changedAt: r.changed_at,
      changedBy: r.changed_by,
      reason: r.reason,
      definition: r.definition,
    }));
  }

  /** Records the YAML entries whose text changed since the last sync; returns their names. */
  async syncYaml(
    entries: Array<{ definition: ThresholdDefinition; file: string }>,
    changedBy: string,
  ): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      const rows: Array<{ name: string; yaml_hash: string | null }> = await manager.query(
        `SELECT name, yaml_hash FROM threshold_definitions`,
      );
      const yamlHashOf = new Map(rows.map((r) => [r.name, r.yaml_hash]));
      const changed: string[] = [];
      for (const { definition, file } of entries) {
        const yamlHash = hashOf(definition);
        if (yamlHashOf.get(definition.name) === yamlHash) continue;
        const reason = yamlHashOf.has(definition.name) ? `${file} changed` : `added in ${file}`;
        await record(manager, definition, changedBy, reason, { yamlHash, file });
        changed.push(definition.name);
      }
      return changed;
    });
  }

  /** `defineThreshold`: a new version unless identical; returns the current version. */
  async define(
    definition: ThresholdDefinition,
    changedBy: string,
    reason: string,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      return record(manager, definition, changedBy, reason, null);
    });
  }
}

async function record(
  manager: EntityManager,
  definition: ThresholdDefinition,
  changedBy: string,
  reason: string,
  yaml: { yamlHash: string; file: string } | null,
): Promise<number> {
  const definitionHash = hashOf(definition);
  const [current]: Array<{ version: number; definition_hash: string }> = await manager.query(
    `SELECT version, definition_hash FROM threshold_definitions WHERE name = $1 FOR UPDATE`,
    [definition.name],
  );
  if (current && current.definition_hash === definitionHash) {
    if (yaml) {
      await manager.query(
        `UPDATE threshold_definitions SET yaml_hash = $2, source_file = $3 WHERE name = $1`,
        [definition.name, yaml.yamlHash, yaml.file],
      );
    }
    return current.version;
  }
  const version = (current?.version ?? 0) + 1;
  await manager.query(
    `INSERT INTO threshold_definitions (name, version, definition, definition_hash, yaml_hash, source_file)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition,
       definition_hash = EXCLUDED.definition_hash,
       yaml_hash = coalesce(EXCLUDED.yaml_hash, threshold_definitions.yaml_hash),
       source_file = coalesce(EXCLUDED.source_file, threshold_definitions.source_file),
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
    `INSERT INTO threshold_definition_versions (name, version, definition, changed_by, reason)
     VALUES ($1, $2, $3, $4, $5)`,
    [definition.name, version, definition, changedBy, reason],
  );
  return version;
}
