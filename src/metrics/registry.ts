import { HarmonyError } from '../shared/errors';
import type { DefinitionStore, StoredDefinition } from './definition-store';

/** How long a server trusts its copy of the definitions before re-reading them. Default 30 s. */
export const REGISTRY_TTL_MS = 30_000;

/**
 * The current definitions in memory, read from PostgreSQL. A server refreshes after its own
 * writes at once and picks up other servers' writes within REGISTRY_TTL_MS.
 */
export class MetricRegistry {
  private byName = new Map<string, StoredDefinition>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async all(): Promise<StoredDefinition[]> {
    await this.ensureFresh();
    return [...this.byName.values()];
  }

  /** The definition, or UNKNOWN_METRIC listing the names that exist. */
  async get(name: string): Promise<StoredDefinition> {
    await this.ensureFresh();
    const found = this.byName.get(name);
    if (found) return found;
    throw new HarmonyError(
      'UNKNOWN_METRIC',
      `Unknown metric "${name}"; expected one of: ${[...this.byName.keys()].join(', ')}`,
      { metric: name, expected: [...this.byName.keys()] },
    );
  }

  /** Synchronous lookup for already-loaded definitions (composite metrics' inputs). */
  peek(name: string): StoredDefinition | undefined {
    return this.byName.get(name);
  }

  async refresh(): Promise<void> {
    const definitions = await this.store.current();
    this.byName = new Map(definitions.map((d) => [d.name, d]));
    this.loadedAt = this.clock();
  }

  private async ensureFresh(): Promise<void> {
    if (this.loadedAt && this.clock() - this.loadedAt < REGISTRY_TTL_MS) return;
    this.loading ??= this.refresh().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }
}
