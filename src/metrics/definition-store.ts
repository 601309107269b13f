import type { DataSource, EntityManager } from 'typeorm';
import { HarmonyError } from '../shared/errors';
import {
  VersionedDefinitions,
  type DefinitionVersion as Version,
  type StoredDefinition as Stored,
} from '../shared/versioned-definitions';
import { DefinitionError, validateCatalog } from './catalog-validation';
import type { CatalogEntry } from './catalog-loader';
import type { EventReference, MetricDefinition } from './definition';

export type StoredDefinition = Stored<MetricDefinition>;
export type DefinitionVersion = Version<MetricDefinition>;

/**
 * Versioned metric definitions in PostgreSQL (src/shared/versioned-definitions.ts): every
 * change is a new row in metric_definition_versions with who, when and why; unchanged input
 * records nothing. Events are stored by their stable id, and the whole catalog is validated
 * before anything is recorded.
 */
export class DefinitionStore {
  private readonly definitions: VersionedDefinitions<MetricDefinition>;

  constructor(dataSource: DataSource) {
    this.definitions = new VersionedDefinitions(dataSource, 'metric_definition');
  }

  async current(): Promise<StoredDefinition[]> {
    return this.definitions.current();
  }

  async versions(name: string): Promise<DefinitionVersion[]> {
    return this.definitions.versions(name);
  }

  /**
   * Records the YAML catalog: a metric whose YAML entry changed since the last sync gets a new
   * version; one changed only through the API keeps its API version until its YAML changes.
   * Returns the names that got a new version.
   */
  async syncCatalog(entries: CatalogEntry[], changedBy: string): Promise<string[]> {
    return this.definitions.locked(async (manager) => {
      const existing = await this.definitions.current(manager);
      const yamlNames = new Set(entries.map((e) => e.definition.name));
      validateCatalog([
        ...entries.map((e) => ({ definition: e.definition, origin: { file: e.file } })),
        ...existing
          .filter((row) => !yamlNames.has(row.name))
          .map((row) => ({ definition: row.definition, origin: { file: 'defineMetric' } })),
      ]);
      return this.definitions.syncYaml(manager, entries, changedBy, (entry) =>
        resolveEvents(manager, entry.definition, entry.file),
      );
    });
  }

  /** Records one definition from the API; identical to the current version records nothing. */
  async define(definition: MetricDefinition, changedBy: string, reason: string): Promise<number> {
    return this.definitions.locked(async (manager) => {
      const existing = await this.definitions.current(manager);
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
      const { version } = await this.definitions.record(manager, resolved, changedBy, reason);
      return version;
    });
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

/** Definition problems become INVALID_METRIC_DEFINITION errors naming file, metric and field. */
export function asInputError(error: unknown): unknown {
  if (!(error instanceof DefinitionError)) return error;
  return new HarmonyError('INVALID_METRIC_DEFINITION', error.message, {
    file: error.file,
    metric: error.metric,
    field: error.field,
  });
}
