import fs from 'node:fs';
import path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import { hashOf } from '../../metrics/definition-store';
import {
  parseSegmentDefinition,
  SegmentDefinitionError,
  type SegmentDefinition,
} from './segment-definition';

/** `schema/segments/` at the repository root (also from dist/). */
export const SEGMENTS_DIR = [
  path.resolve(__dirname, '..', '..', '..', 'schema', 'segments'),
  path.resolve(__dirname, '..', '..', '..', '..', 'schema', 'segments'),
].find((candidate) => fs.existsSync(candidate))!;

export type StoredSegment = {
  name: string;
  version: number;
  definition: SegmentDefinition;
  updatedAt: Date;
};

export type SegmentVersion = {
  version: number;
  changedAt: Date;
  changedBy: string;
  reason: string;
  definition: SegmentDefinition;
};

export type SegmentCatalogEntry = { definition: SegmentDefinition; file: string };

const LOCK_KEY = 'harmony:segment_definitions';

/** Reads every `*.yml` under the folder (each `segments: [...]`); names must be unique. */
export function loadSegmentCatalog(directory: string = SEGMENTS_DIR): SegmentCatalogEntry[] {
  const files = fs
    .readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const entries: SegmentCatalogEntry[] = [];
  for (const file of files) {
    const shown = path.join('schema', 'segments', file);
    let document: unknown;
    try {
      document = parseYaml(fs.readFileSync(path.join(directory, file), 'utf8'));
    } catch (error) {
      throw new SegmentDefinitionError(
        shown,
        '-',
        '-',
        `not valid YAML: ${(error as Error).message}`,
      );
    }
    const list = (document as { segments?: unknown } | null)?.segments;
    if (!Array.isArray(list)) {
      throw new SegmentDefinitionError(
        shown,
        '-',
        'segments',
        'expected a top-level "segments:" list',
      );
    }
    list.forEach((raw, index) => {
      const definition = parseSegmentDefinition(raw, shown, index);
      if (entries.some((e) => e.definition.name === definition.name)) {
        throw new SegmentDefinitionError(shown, definition.name, 'name', 'declared twice');
      }
      entries.push({ definition, file: shown });
    });
  }
  return entries;
}

/**
 * Versioned segment definitions, as metric definitions are (src/metrics/definition-store.ts):
 * every change is a row of segment_definition_versions with who, when and why; an unchanged
 * definition records nothing; a YAML entry wins only when its YAML changed.
 */
export class SegmentStore {
  constructor(private readonly dataSource: DataSource) {}

  async current(db: DataSource | EntityManager = this.dataSource): Promise<StoredSegment[]> {
    const rows: Array<{
      name: string;
      version: number;
      definition: SegmentDefinition;
      updated_at: Date;
    }> = await db.query(
      `SELECT name, version, definition, updated_at FROM segment_definitions ORDER BY name`,
    );
    return rows.map((row) => ({
      name: row.name,
      version: row.version,
      definition: row.definition,
      updatedAt: row.updated_at,
    }));
  }

  async versions(name: string): Promise<SegmentVersion[]> {
    const rows: Array<{
      version: number;
      changed_at: Date;
      changed_by: string;
      reason: string;
      definition: SegmentDefinition;
    }> = await this.dataSource.query(
      `SELECT version, changed_at, changed_by, reason, definition
       FROM segment_definition_versions WHERE name = $1 ORDER BY version`,
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

  /** Records the YAML catalog; returns the names that got a new version. */
  async syncCatalog(entries: SegmentCatalogEntry[], changedBy: string): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      const hashes: Array<{ name: string; yaml_hash: string | null }> = await manager.query(
        `SELECT name, yaml_hash FROM segment_definitions`,
      );
      const yamlHashOf = new Map(hashes.map((row) => [row.name, row.yaml_hash]));
      const changed: string[] = [];
      for (const entry of entries) {
        const yamlHash = hashOf(entry.definition);
        if (yamlHashOf.get(entry.definition.name) === yamlHash) continue;
        const reason = yamlHashOf.has(entry.definition.name)
          ? `${entry.file} changed`
          : `added in ${entry.file}`;
        const before = await this.record(manager, entry.definition, changedBy, reason, {
          yamlHash,
          file: entry.file,
        });
        if (before.changed) changed.push(entry.definition.name);
      }
      return changed;
    });
  }

  /** Records one definition from the API; returns its version and whether it changed. */
  async define(
    definition: SegmentDefinition,
    changedBy: string,
    reason: string,
  ): Promise<{ version: number; changed: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      return this.record(manager, definition, changedBy, reason, null);
    });
  }

  private async record(
    manager: EntityManager,
    definition: SegmentDefinition,
    changedBy: string,
    reason: string,
    yaml: { yamlHash: string; file: string } | null,
  ): Promise<{ version: number; changed: boolean }> {
    const definitionHash = hashOf(definition);
    const [current]: Array<{ version: number; definition_hash: string }> = await manager.query(
      `SELECT version, definition_hash FROM segment_definitions WHERE name = $1 FOR UPDATE`,
      [definition.name],
    );
    if (current && current.definition_hash === definitionHash) {
      if (yaml) {
        await manager.query(
          `UPDATE segment_definitions SET yaml_hash = $2, source_file = $3 WHERE name = $1`,
          [definition.name, yaml.yamlHash, yaml.file],
        );
      }
      return { version: current.version, changed: false };
    }
    const version = (current?.version ?? 0) + 1;
    await manager.query(
      `INSERT INTO segment_definitions (name, version, definition, definition_hash, yaml_hash, source_file)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition,
         definition_hash = EXCLUDED.definition_hash,
         yaml_hash = coalesce(EXCLUDED.yaml_hash, segment_definitions.yaml_hash),
         source_file = coalesce(EXCLUDED.source_file, segment_definitions.source_file),
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
      `INSERT INTO segment_definition_versions (name, version, definition, changed_by, reason)
       VALUES ($1, $2, $3, $4, $5)`,
      [definition.name, version, definition, changedBy, reason],
    );
    // Every account is re-evaluated against the new rule by the pump.
    await manager.query(
      `INSERT INTO account_view_touches (account_id, cause) SELECT id, 'SEGMENT' FROM accounts;
       `,
    );
    await manager.query(`SELECT pg_notify('harmony_signals', '')`);
    return { version, changed: true };
  }
}
