import type { DataSource } from 'typeorm';
import {
  VersionedDefinitions,
  type DefinitionVersion,
  type StoredDefinition,
  type YamlEntry,
} from '../../shared/versioned-definitions';
import type { ThresholdDefinition } from './threshold-definition';

export type StoredThreshold = StoredDefinition<ThresholdDefinition>;
export type ThresholdVersion = DefinitionVersion<ThresholdDefinition>;

/**
 * Versioned threshold definitions, as metric definitions are (src/shared/versioned-definitions.ts):
 * every change a new version with who, when and why; an identical definition records nothing; a
 * threshold changed through the API keeps that version until its YAML entry changes.
 */
export class ThresholdStore {
  private readonly definitions: VersionedDefinitions<ThresholdDefinition>;

  constructor(dataSource: DataSource) {
    this.definitions = new VersionedDefinitions(dataSource, 'threshold_definition');
  }

  async current(): Promise<StoredThreshold[]> {
    return this.definitions.current();
  }

  async versions(name: string): Promise<ThresholdVersion[]> {
    return this.definitions.versions(name);
  }

  /** Records the YAML entries whose text changed since the last sync; returns their names. */
  async syncYaml(entries: YamlEntry<ThresholdDefinition>[], changedBy: string): Promise<string[]> {
    return this.definitions.locked((manager) =>
      this.definitions.syncYaml(manager, entries, changedBy),
    );
  }

  /** `defineThreshold`: a new version unless identical; returns the current version. */
  async define(
    definition: ThresholdDefinition,
    changedBy: string,
    reason: string,
  ): Promise<number> {
    return this.definitions.locked(async (manager) => {
      const { version } = await this.definitions.record(manager, definition, changedBy, reason);
      return version;
    });
  }
}
