import type { DataSource } from 'typeorm';
import type { AnswerCache, AnswerSource, CacheTier } from '../cache';
import { parse as parseYaml } from 'yaml';
import { HarmonyError } from '../shared/errors';
import { CATALOG_DIR, loadCatalog, parseDefinition } from './catalog-loader';
import { DefinitionError, supportedDimensions } from './catalog-validation';
import type { MetricQuery } from './compile-request';
import type { Dimension, MetricDefinition } from './definition';
import {
  accountAnswerShape,
  answerShape,
  deserialiseAnswer,
  freshnessOf,
  serialiseAnswer,
  specOf,
} from './cached-answers';
import { DefinitionStore, asInputError, type StoredDefinition } from './definition-store';
import { MetricEvaluator, type Series } from './evaluator';
import { MetricExecutor, METRIC_STATEMENT_TIMEOUT_MS } from './executor';
import { MAX_POINTS, tooManyPoints } from './limits';
import { loadTimeZones } from './time-zones';
import { normaliseQuery, type MetricQueryInput } from './query-input';
import { MetricRegistry } from './registry';
import {
  comparisonWindow,
  resolveWindow,
  type Comparison,
  type ResolvedWindow,
  type WindowRequest,
} from './windows';

export type MetricsServiceOptions = {
  /** Timeout of each metric statement in ms. Default 10,000. */
  statementTimeoutMs?: number;
  /** Metric statements at once in this process (a wait beyond the timeout is a 503). Default 4. */
  maxConcurrentStatements?: number;
  /** Folder of the YAML catalog. Default `schema/metrics`. */
  catalogDir?: string;
  /** Injected clock for relative windows. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * The answer cache (src/cache): tiers, generations, single flight. Default: none, and every
   * query computes (answers then say `source: DATABASE`).
   */
  cache?: AnswerCache;
};

/** Most metrics one `metrics(names)` or `Account.metrics(names)` may ask for. */
export const MAX_METRICS_PER_QUERY = 20;
export { MAX_POINTS };

/** The engine's answer before GraphQL shapes it. */
export type MetricAnswer = {
  name: string;
  definition: StoredDefinition;
  window: ResolvedWindow;
  grain: string | null;
  total: number;
  points: Array<{ start: Date; end: Date; value: number; dimensions: Record<string, string> }>;
  comparison: {
    window: ResolvedWindow;
    total: number;
    change: number;
    changeRatio: number | null;
    points: MetricAnswer['points'];
  } | null;
  freshness: AnswerFreshness;
  statements: string[];
};

/** How fresh an answer is, and where it came from. */
export type AnswerFreshness = {
  tier: string;
  computedAt: Date;
  ageSeconds: number;
  cacheHit: boolean;
  source: AnswerSource;
};

/** One account's value of a metric, with its freshness. */
export type AccountValue = { value: number; freshness: AnswerFreshness };

/** `fresh`: compute anew and store, whatever the cache holds. Default false. */
export type QueryOptions = { fresh?: boolean };

/**
 * The metrics engine's front door: definitions (catalog sync, defineMetric, versions) and
 * queries (whole business or per account), answered from the answer cache when it holds a
 * valid entry (docs/caching.md), else computed from PostgreSQL and stored.
 */
export class MetricsService {
  readonly store: DefinitionStore;
  readonly registry: MetricRegistry;
  /** Metric statements running and waiting for a slot (for GET /metrics). */
  readonly statementSlots: { readonly running: number; readonly waiting: number };
  private readonly evaluator: MetricEvaluator;
  private readonly now: () => Date;
  private readonly catalogDir: string;
  private catalogReady: Promise<void> | null = null;
  private timeZones: Promise<ReadonlySet<string>> | null = null;
  private readonly dataSource: DataSource;
  private readonly cache?: AnswerCache;

  constructor(dataSource: DataSource, options: MetricsServiceOptions = {}) {
    this.dataSource = dataSource;
    this.store = new DefinitionStore(dataSource);
    this.registry = new MetricRegistry(this.store);
    this.now = options.now ?? (() => new Date());
    this.catalogDir = options.catalogDir ?? CATALOG_DIR;
    this.cache = options.cache;
    const executor = new MetricExecutor(
      dataSource,
      options.statementTimeoutMs ?? METRIC_STATEMENT_TIMEOUT_MS,
      { maxConcurrent: options.maxConcurrentStatements },
    );
    this.statementSlots = executor.slots;
    this.evaluator = new MetricEvaluator(
      executor,
      async (name) => (await this.registry.get(name)).definition,
    );
  }

  /** Loads the YAML catalog into PostgreSQL, versioning what changed; returns changed names. */
  async syncCatalog(changedBy = 'metrics:sync'): Promise<string[]> {
    let changed: string[];
    try {
      changed = await this.store.syncCatalog(loadCatalog(this.catalogDir), changedBy);
    } catch (error) {
      throw asInputError(error);
    }
    await this.registry.refresh();
    return changed;
  }

  /** A server that never synced (tests, first start) loads the YAML catalog once. */
  private ensureCatalog(): Promise<void> {
    this.catalogReady ??= (async () => {
      const current = await this.store.current();
      if (!current.length) await this.syncCatalog('startup');
    })().catch((error) => {
      this.catalogReady = null;
      throw error;
    });
    return this.catalogReady;
  }

  /** The zone names a window may use, read from PostgreSQL once (see time-zones.ts). */
  private knownZones(): Promise<ReadonlySet<string>> {
    this.timeZones ??= loadTimeZones(this.dataSource).catch((error) => {
      this.timeZones = null;
      throw error;
    });
    return this.timeZones;
  }

  async definitions(): Promise<StoredDefinition[]> {
    await this.ensureCatalog();
    return (await this.registry.all()).sort((a, b) => a.name.localeCompare(b.name));
  }

  async definition(name: string): Promise<StoredDefinition> {
    await this.ensureCatalog();
    return this.registry.get(name);
  }

  versions(name: string) {
    return this.store.versions(name);
  }

  /** `defineMetric`: validates, versions and activates a definition. */
  async define(
    input: { definition?: Record<string, unknown> | null; yaml?: string | null },
    reason: string,
    changedBy: string,
  ): Promise<StoredDefinition> {
    await this.ensureCatalog();
    if (!reason.trim()) {
      throw new HarmonyError(
        'BAD_USER_INPUT',
        'reason: expected a non-empty reason for the change',
        {
          field: 'reason',
        },
      );
    }
    if ((input.definition == null) === (input.yaml == null)) {
      throw new HarmonyError(
        'BAD_USER_INPUT',
        'input: expected exactly one of definition or yaml',
        {
          field: 'input',
        },
      );
    }
    let definition: MetricDefinition;
    try {
      const raw = input.definition ?? parseYaml(input.yaml!);
      definition = parseDefinition(raw, 'defineMetric');
    } catch (error) {
      if (error instanceof DefinitionError) throw asInputError(error);
      throw new HarmonyError(
        'INVALID_METRIC_DEFINITION',
        `input.yaml: not valid YAML: ${(error as Error).message}`,
        {
          field: 'input.yaml',
        },
      );
    }
    await this.store.define(definition, changedBy, reason.trim());
    await this.registry.refresh();
    return this.registry.get(definition.name);
  }

  /** `metric(name, window, grain, groupBy, filter, compare)`. */
  async query(
    name: string,
    input: MetricQueryInput,
    compare?: Comparison | null,
    options: QueryOptions = {},
  ): Promise<MetricAnswer> {
    await this.ensureCatalog();
    const stored = await this.registry.get(name);
    const definition = stored.definition;
    const query = normaliseQuery(
      input,
      this.allowedDimensions(definition),
      this.now(),
      await this.knownZones(),
    );
    if (!this.cache) return this.computeAnswer(stored, query, compare ?? null);
    const key = this.cache.keys.answer(
      'metric',
      [name, `v${stored.version}`],
      answerShape(query, compare ?? null),
    );
    let computed: MetricAnswer | undefined;
    const cached = await this.cache.get(
      specOf(key, definition, options.fresh ?? false),
      async () => {
        computed = await this.computeAnswer(stored, query, compare ?? null);
        return serialiseAnswer(computed);
      },
    );
    if (computed && cached.source === 'DATABASE') return computed;
    return deserialiseAnswer(cached, {
      name,
      definition: stored,
      window: query.window,
      grain: query.grain,
      comparisonWindow: compare ? comparisonWindow(query.window, compare) : null,
    });
  }

  /** Evaluates a normalised query against PostgreSQL. */
  private async computeAnswer(
    stored: StoredDefinition,
    query: MetricQuery,
    compare: Comparison | null,
  ): Promise<MetricAnswer> {
    const definition = stored.definition;
    const started = this.now();
    // Each SQL evaluation returns at most MAX_POINTS / buckets groups (evaluator.ts); inputs
    // of a ratio or derived metric can still add up to more, refused here.
    const series = await this.evaluator.evaluate(definition, query);
    if (series.groups.length * series.buckets.length > MAX_POINTS) {
      throw tooManyPoints(series.groups.length * series.buckets.length);
    }
    const statements = [...series.statements];
    let total = series.groups[0]?.total ?? 0;
    if (query.groupBy.length) {
      const ungrouped = await this.evaluator.evaluate(definition, { ...query, groupBy: [] });
      statements.push(...ungrouped.statements);
      total = ungrouped.groups[0]?.total ?? 0;
    }
    let comparison: MetricAnswer['comparison'] = null;
    if (compare) {
      const window = comparisonWindow(query.window, compare);
      const earlier = await this.evaluator.evaluate(definition, { ...query, groupBy: [], window });
      statements.push(...earlier.statements);
      const earlierTotal = earlier.groups[0]?.total ?? 0;
      comparison = {
        window,
        total: earlierTotal,
        change: withoutFloatNoise(total - earlierTotal),
        changeRatio: earlierTotal === 0 ? null : (total - earlierTotal) / earlierTotal,
        points: pointsOf(earlier),
      };
    }
    return {
      name: stored.name,
      definition: stored,
      window: query.window,
      grain: query.grain,
      total,
      points: pointsOf(series),
      comparison,
      freshness: {
        tier: definition.tier,
        computedAt: started,
        ageSeconds: 0,
        cacheHit: false,
        source: 'DATABASE',
      },
      statements: statements.map((s) => `${s.sql}\n-- params: ${JSON.stringify(s.params)}`),
    };
  }

  /**
   * One metric for many accounts over one window: the batch behind Account.metric. Cached
   * values are read with one MGET; the missing accounts are evaluated together, in one
   * evaluation (one statement for a SQL-backed metric). Accounts without data get 0.
   */
  async valuesForAccounts(
    name: string,
    window: WindowRequest,
    accountIds: readonly string[],
    options: QueryOptions = {},
  ): Promise<{ definition: StoredDefinition; values: AccountValue[] }> {
    await this.ensureCatalog();
    const stored = await this.registry.get(name);
    const now = this.now();
    const resolved = resolveWindow(window, now, await this.knownZones());
    const evaluate = async (ids: readonly string[]) => {
      const series = await this.evaluator.evaluate(stored.definition, {
        window: resolved,
        grain: null,
        groupBy: ['account'],
        filters: [],
        includeTest: false,
        includeDeleted: false,
        accountIds: [...ids],
        now,
      });
      const values = new Map(series.groups.map((g) => [g.dimensions.account, g.total]));
      return ids.map((id) => values.get(id) ?? 0);
    };
    const tier = stored.definition.tier;
    if (!this.cache) {
      const values = await evaluate(accountIds);
      const freshness = {
        tier,
        computedAt: now,
        ageSeconds: 0,
        cacheHit: false,
        source: 'DATABASE' as const,
      };
      return { definition: stored, values: values.map((value) => ({ value, freshness })) };
    }
    const shape = accountAnswerShape(resolved);
    const keys = accountIds.map((id) =>
      this.cache!.keys.answer('account-metric', [name, `v${stored.version}`, id], shape),
    );
    const { dependsOn } = specOf('', stored.definition, false);
    const cached = await this.cache.getMany(
      keys,
      { tier: tier as CacheTier, dependsOn, fresh: options.fresh ?? false },
      async (missing) =>
        (await evaluate(missing.map((index) => accountIds[index]))).map((v) => String(v)),
    );
    return {
      definition: stored,
      values: cached.map((entry) => ({
        value: Number(entry.value),
        freshness: freshnessOf(entry, tier),
      })),
    };
  }

  /** Checks a list of metric names before any is evaluated. */
  assertNameCount(names: readonly string[]): void {
    if (names.length > MAX_METRICS_PER_QUERY) {
      throw new HarmonyError(
        'BAD_USER_INPUT',
        `names: expected at most ${MAX_METRICS_PER_QUERY} metrics, got ${names.length}`,
        { field: 'names' },
      );
    }
  }

  /** What a query may group and filter by: the declared dimensions the type supports. */
  private allowedDimensions(definition: MetricDefinition): Dimension[] {
    const supported = supportedDimensions(
      definition,
      (name) => this.registry.peek(name)?.definition,
    );
    return definition.dimensions.filter((d) => supported.includes(d));
  }
}

function pointsOf(series: Series): MetricAnswer['points'] {
  return series.groups.flatMap((group) =>
    series.buckets.map((bucket, index) => ({
      start: bucket.start.toJSDate(),
      end: bucket.end.toJSDate(),
      value: group.values[index],
      dimensions: group.dimensions,
    })),
  );
}

/** A difference of two decimals in binary floating point carries noise (0.1 + 0.2); drop it. */
function withoutFloatNoise(value: number): number {
  return Number(value.toPrecision(12));
}
