import fs from 'node:fs';
import path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import {
  VersionedDefinitions,
  type DefinitionVersion,
  type StoredDefinition,
  type YamlEntry,
} from '../../shared/versioned-definitions';
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

export type StoredSegment = StoredDefinition<SegmentDefinition>;
export type SegmentVersion = DefinitionVersion<SegmentDefinition>;

export type SegmentCatalogEntry = YamlEntry<SegmentDefinition>;

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
 * Versioned segment definitions, as metric definitions are (src/shared/versioned-definitions.ts):
 * every change is a row of segment_definition_versions with who, when and why; an unchanged
 * definition records nothing; a YAML entry wins only when its YAML changed. A new version has
 * every account re-evaluated against the new rule.
 */
export class SegmentStore {
  private readonly definitions: VersionedDefinitions<SegmentDefinition>;

  constructor(dataSource: DataSource) {
    this.definitions = new VersionedDefinitions(dataSource, 'segment_definition');
  }

  async current(db?: DataSource | EntityManager): Promise<StoredSegment[]> {
    return this.definitions.current(db);
  }

  async versions(name: string): Promise<SegmentVersion[]> {
    return this.definitions.versions(name);
  }

  /** Records the YAML catalog; returns the names that got a new version. */
  async syncCatalog(entries: SegmentCatalogEntry[], changedBy: string): Promise<string[]> {
    return this.definitions.locked(async (manager) => {
      const changed = await this.definitions.syncYaml(manager, entries, changedBy);
      if (changed.length) await reevaluateEveryAccount(manager);
      return changed;
    });
  }

  /** Records one definition from the API; returns its version and whether it changed. */
  async define(
    definition: SegmentDefinition,
    changedBy: string,
    reason: string,
  ): Promise<{ version: number; changed: boolean }> {
    return this.definitions.locked(async (manager) => {
      const recorded = await this.definitions.record(manager, definition, changedBy, reason);
      if (recorded.changed) await reevaluateEveryAccount(manager);
      return recorded;
    });
  }
}

/** Touches every account so the signals pump re-evaluates segment membership. */
async function reevaluateEveryAccount(manager: EntityManager): Promise<void> {
  await manager.query(
    `INSERT INTO account_view_touches (account_id, cause) SELECT id, 'SEGMENT' FROM accounts`,
  );
  await manager.query(`SELECT pg_notify('harmony_signals', '')`);
}
