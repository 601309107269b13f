import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import {
  CacheUnavailableError,
  TIER_LIFETIME_MS,
  type AnswerCache,
  type CacheTier,
  type GenerationSnapshot,
} from '../../cache';
import type { RequestContext } from '../../context/request-context';
import type { Logger } from '../../shared/logger';
import { DATA_FAMILIES } from '../../shared/write-observer';
import { fieldsOf, findFreshness, type FreshnessLocation } from './freshness-locations';
import {
  decodeEntry,
  encodeEntry,
  isServable,
  objectAt,
  renderEntry,
  type DecodedEntry,
  type EntryMeta,
  type StoredFreshness,
} from './response-cache-entry';

/**
 * The response cache in front of execution, for persisted queries (APQ) that ask only for
 * metrics: a dashboard repeating its query by hash is answered from one MGET, without parsing,
 * validating or executing anything. Keyed by the hash, operation name, variables and the API
 * key's scopes; served only while every metric in it is younger than its tier and no entity
 * write has moved a generation it depends on (events only for REALTIME), with its `freshness`
 * rewritten for the serve (`cacheHit: true`, `source: CACHE`, `ageSeconds` now). See
 * docs/api-speed.md.
 */
export class ResponseCache {
  constructor(
    private readonly cache: AnswerCache,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.generationKeys = cache.generations.keysOf([...DATA_FAMILIES]);
  }

  private readonly generationKeys: string[];
  /** The last entries decoded, by key: a hot entry read again (same bytes) is not re-parsed. */
  private readonly decoded = new BoundedMap<string, { value: string; entry: DecodedEntry }>(256);

  /**
   * The body to answer the persisted request stored under `key` (see `keyFor`) with, or null
   * when it is not a clean hit (no entry, too old, a generation moved, the store unreachable):
   * the caller then runs the request through the normal pipeline. One MGET reads the entry and
   * every generation.
   */
  async hit(key: string): Promise<string | null> {
    let values: Array<string | null>;
    try {
      values = await this.cache.store.mget([key, ...this.generationKeys]);
    } catch (error) {
      if (!(error instanceof CacheUnavailableError))
        this.logger.warn({ err: error }, 'response cache lookup failed; executing the query');
      return null;
    }
    const value = values[0];
    if (!value) return null;
    let entry = this.decoded.get(key);
    if (entry?.value !== value) {
      const decoded = decodeEntry(value);
      if (!decoded) return null;
      entry = { value, entry: decoded };
      this.decoded.set(key, entry);
    }
    const now = this.now();
    if (!isServable(entry.entry.meta, values.slice(1), now)) return null;
    return renderEntry(entry.entry, now);
  }

  /** The store key of a persisted request for a key with these scopes. */
  keyFor(persisted: PersistedRequest, scopes: readonly string[]): string {
    return this.cache.keys.answer('response', [], {
      h: persisted.hash,
      o: persisted.operationName ?? null,
      v: persisted.variables ?? {},
      s: [...scopes].sort(),
    });
  }

  /** Apollo plugin: stores the answers of cacheable persisted operations. */
  plugin(schema: GraphQLSchema): ApolloServerPlugin<RequestContext> {
    noteMetricFreshness(schema);
    return {
      requestDidStart: async ({ request, contextValue }) => {
        const hash = hashOf(request.extensions);
        if (!hash) return;
        let generations: GenerationSnapshot | undefined;
        let resolvedAt = 0;
        return {
          didResolveOperation: async ({ operation, document }) => {
            if (!operation || !isCacheable(operation, document, request.variables ?? {})) return;
            notes.set(contextValue, []);
            resolvedAt = this.now();
            // Read before execution: a write committed meanwhile leaves the entry already stale.
            generations = await this.cache.generations
              .read([...DATA_FAMILIES])
              .catch(() => undefined);
          },
          willSendResponse: async ({ response, document, operation }) => {
            const noted = notes.get(contextValue);
            if (!generations || !noted || !document || !operation) return;
            if (response.body.kind !== 'single') return;
            const { data, errors } = response.body.singleResult;
            if (errors?.length || !data || !noted.length) return;
            const key = this.keyFor(
              { hash, operationName: request.operationName, variables: request.variables },
              contextValue.principal.scopes,
            );
            const entry = buildEntry(
              schema,
              document,
              operation,
              data,
              noted,
              generations,
              resolvedAt,
              this.now(),
            );
            response.http.headers.set('x-harmony-response-cache', 'miss');
            // Stored before the answer leaves, so the client's next request can hit it.
            if (entry) await this.store(key, entry);
          },
        };
      },
    };
  }

  private async store(key: string, entry: Entry): Promise<void> {
    const now = this.now();
    const ttlMs = Math.min(
      TIER_LIFETIME_MS[entry.tier] - (now - entry.oldest),
      (entry.until ?? Infinity) - now,
    );
    if (ttlMs <= 0) return;
    const { data, freshness, ...meta } = entry;
    const value = encodeEntry(data, freshness, meta);
    if (value === null) return;
    try {
      await this.cache.store.setMany([{ key, value, ttlMs }]);
    } catch (error) {
      if (!(error instanceof CacheUnavailableError))
        this.logger.warn({ err: error }, 'response cache store failed');
    }
  }
}

/** What identifies a persisted request besides the key's scopes. */
export type PersistedRequest = {
  hash: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
};

/** A response to store, with what its validity and its freshness rewriting need. */
type Entry = Omit<EntryMeta, 'ages'> & {
  data: Record<string, unknown>;
  freshness: StoredFreshness[];
};

/**
 * A metric answer's freshness, noted while the operation executes, and whether its window
 * depends on when it is asked (a relative window, or `completeOnly`).
 */
type Note = { tier: CacheTier; computedAt: number; dependsOnNow: boolean };

/** The metric answers of each request being stored; entries go with their request. */
const notes = new WeakMap<object, Note[]>();

/** Root fields whose answers carry their freshness (tier and computedAt). */
const METRIC_ROOT_FIELDS = new Set(['metric', 'metrics']);

/**
 * Wraps `Query.metric(s)` to note each answer's tier and computation time for the request:
 * the response's lifetime is its oldest answer's, whether or not the client selected them.
 */
function noteMetricFreshness(schema: GraphQLSchema): void {
  const fields = schema.getQueryType()?.getFields() ?? {};
  for (const name of METRIC_ROOT_FIELDS) {
    const field = fields[name];
    if (!field?.resolve || (field.resolve as { noted?: boolean }).noted) continue;
    const resolve = field.resolve;
    const noting = async (...args: Parameters<typeof resolve>) => {
      const result = await resolve(...args);
      const noted = notes.get(args[2] as object);
      if (noted) {
        const dependsOnNow = windowDependsOnNow(args[1]);
        for (const answer of Array.isArray(result) ? result : [result])
          noted.push({ ...noteOf(answer), dependsOnNow });
      }
      return result;
    };
    field.resolve = Object.assign(noting, { noted: true });
  }
}

/**
 * A relative window (LAST_30_DAYS, MONTH_TO_DATE, …) or `completeOnly` resolves anew at each
 * midnight of the window's time zone; the response cache is keyed by the variables, not by the
 * resolved window, so such an entry must not outlive the moment its window could change.
 */
function windowDependsOnNow(args: unknown): boolean {
  const window = (args as { window?: { relative?: unknown; completeOnly?: unknown } } | null)
    ?.window;
  return window?.relative != null || window?.completeOnly === true;
}

/**
 * Every time zone's midnight falls on a quarter hour in UTC (offsets are multiples of 15
 * minutes), so a window resolved at `at` resolves the same until the next quarter hour.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
function nextQuarterHour(at: number): number {
  return (Math.floor(at / QUARTER_HOUR_MS) + 1) * QUARTER_HOUR_MS;
}

function noteOf(answer: unknown): Omit<Note, 'dependsOnNow'> {
  const freshness = (answer as { freshness?: { tier?: string; computedAt?: Date } } | null)
    ?.freshness;
  const tier = freshness?.tier as CacheTier | undefined;
  const computedAt = freshness?.computedAt?.getTime();
  // An answer that cannot say its age makes the response uncacheable (NaN fails every check).
  return {
    tier: tier && tier in TIER_LIFETIME_MS ? tier : 'REALTIME',
    computedAt: computedAt ?? NaN,
  };
}

/** A query of metric fields only, none of them asked to be computed afresh. */
function isCacheable(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown>,
): boolean {
  if (operation.operation !== 'query') return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  return fieldsOf(operation.selectionSet, fragments).every((field) => {
    if (field.name.value === '__typename') return true;
    if (!METRIC_ROOT_FIELDS.has(field.name.value)) return false;
    const fresh = field.arguments?.find((argument) => argument.name.value === 'fresh')?.value;
    if (!fresh) return true;
    if (fresh.kind === Kind.BOOLEAN) return !fresh.value;
    if (fresh.kind === Kind.VARIABLE) return variables[fresh.name.value] !== true;
    return false;
  });
}

function buildEntry(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown>,
  noted: Note[],
  generations: GenerationSnapshot,
  resolvedAt: number,
  storedAt: number,
): Entry | null {
  const oldest = Math.min(...noted.map((note) => note.computedAt));
  if (!Number.isFinite(oldest)) return null;
  // The shortest-lived tier of the answers it holds bounds the whole response.
  const tier = noted
    .map((note) => note.tier)
    .reduce((a, b) => (TIER_LIFETIME_MS[a] <= TIER_LIFETIME_MS[b] ? a : b));
  const freshness = findFreshness(schema, document, operation, data).map((location) => ({
    ...location,
    computedAt: computedAtOf(data, location, storedAt) ?? oldest,
  }));
  const until = noted.some((note) => note.dependsOnNow) ? nextQuarterHour(resolvedAt) : undefined;
  return { data, tier, oldest, generations, freshness, ...(until ? { until } : {}) };
}

/** When the answer at `location` was computed, from the fields the client selected. */
function computedAtOf(
  data: Record<string, unknown>,
  location: FreshnessLocation,
  storedAt: number,
): number | undefined {
  const freshness = objectAt(data, location.path);
  if (!freshness) return undefined;
  const { computedAt, ageSeconds } = location.keys;
  if (computedAt && typeof freshness[computedAt] === 'string')
    return Date.parse(freshness[computedAt] as string);
  if (ageSeconds && typeof freshness[ageSeconds] === 'number')
    return storedAt - (freshness[ageSeconds] as number) * 1000;
  return undefined;
}

/** The sha256 of a persisted query (APQ version 1), or undefined. */
export function hashOf(extensions: Record<string, unknown> | undefined): string | undefined {
  const persisted = extensions?.persistedQuery as
    { version?: unknown; sha256Hash?: unknown } | undefined;
  const hash = persisted?.sha256Hash;
  if (persisted?.version !== 1) return undefined;
  return typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** A Map of at most `max` entries, emptied when full: for small, hot, recomputable memos. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
