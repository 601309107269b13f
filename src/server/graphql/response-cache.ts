import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import {
  CacheUnavailableError,
  familiesChecked,
  sameGenerations,
  TIER_LIFETIME_MS,
  type AnswerCache,
  type CacheTier,
  type GenerationSnapshot,
} from '../../cache';
import type { RequestContext } from '../../context/request-context';
import type { Logger } from '../../shared/logger';
import { DATA_FAMILIES } from '../../shared/write-observer';
import { fieldsOf, findFreshness, type FreshnessLocation } from './freshness-locations';

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
  ) {}

  /** Express middleware: answers a hash-only persisted request from the cache, else passes on. */
  serve() {
    return async (request: Request, response: Response, next: NextFunction) => {
      const persisted = persistedRequestOf(request);
      if (!persisted || persisted.hasQuery) return next();
      try {
        const body = await this.lookup(this.keyOf(persisted, request.principal!.scopes));
        if (body === null) return next();
        response.status(200);
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.setHeader('x-harmony-response-cache', 'hit');
        response.end(body);
      } catch (error) {
        this.logger.warn({ err: error }, 'response cache lookup failed; executing the query');
        next();
      }
    };
  }

  /** Apollo plugin: stores the answers of cacheable persisted operations. */
  plugin(schema: GraphQLSchema): ApolloServerPlugin<RequestContext> {
    noteMetricFreshness(schema);
    return {
      requestDidStart: async ({ request, contextValue }) => {
        const hash = hashOf(request.extensions);
        if (!hash) return;
        let generations: GenerationSnapshot | undefined;
        return {
          didResolveOperation: async ({ operation, document }) => {
            if (!operation || !isCacheable(operation, document, request.variables ?? {})) return;
            notes.set(contextValue, []);
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
            const key = this.keyOf(
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

  private keyOf(persisted: PersistedRequest, scopes: readonly string[]): string {
    return this.cache.keys.answer('response', [], {
      h: persisted.hash,
      o: persisted.operationName ?? null,
      v: persisted.variables ?? {},
      s: [...scopes].sort(),
    });
  }

  /** The response body when the entry under `key` may still be served, else null. */
  private async lookup(key: string): Promise<string | null> {
    const generationKeys = this.cache.generations.keysOf([...DATA_FAMILIES]);
    let values: Array<string | null>;
    try {
      values = await this.cache.store.mget([key, ...generationKeys]);
    } catch (error) {
      if (error instanceof CacheUnavailableError) return null;
      throw error;
    }
    if (!values[0]) return null;
    const entry = JSON.parse(values[0]) as Entry;
    const now = this.now();
    if (now - entry.oldest >= TIER_LIFETIME_MS[entry.tier]) return null;
    const current = await this.cache.generations.snapshotOf([...DATA_FAMILIES], values.slice(1));
    const families = familiesChecked(entry.tier, DATA_FAMILIES);
    if (!sameGenerations(entry.generations, current, families)) return null;
    for (const location of entry.freshness) rewriteFreshness(entry.data, location, now);
    return JSON.stringify({ data: entry.data });
  }

  private async store(key: string, entry: Entry): Promise<void> {
    const ttlMs = TIER_LIFETIME_MS[entry.tier] - (this.now() - entry.oldest);
    if (ttlMs <= 0) return;
    try {
      await this.cache.store.setMany([{ key, value: JSON.stringify(entry), ttlMs }]);
    } catch (error) {
      if (!(error instanceof CacheUnavailableError))
        this.logger.warn({ err: error }, 'response cache store failed');
    }
  }
}

type PersistedRequest = {
  hash: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  hasQuery?: boolean;
};

/** A stored response, with what its validity and its freshness rewriting need. */
type Entry = {
  data: Record<string, unknown>;
  tier: CacheTier;
  /** When its oldest metric answer was computed, in ms. */
  oldest: number;
  generations: GenerationSnapshot;
  freshness: Array<FreshnessLocation & { computedAt: number }>;
};

/** A metric answer's freshness, noted while the operation executes. */
type Note = { tier: CacheTier; computedAt: number };

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
        for (const answer of Array.isArray(result) ? result : [result]) noted.push(noteOf(answer));
      }
      return result;
    };
    field.resolve = Object.assign(noting, { noted: true });
  }
}

function noteOf(answer: unknown): Note {
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
  return { data, tier, oldest, generations, freshness };
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

/** Says, in a served response, that it came from the cache and how old its answer is now. */
function rewriteFreshness(
  data: Record<string, unknown>,
  location: FreshnessLocation & { computedAt: number },
  now: number,
): void {
  const freshness = objectAt(data, location.path);
  if (!freshness) return;
  const { ageSeconds, cacheHit, source } = location.keys;
  if (ageSeconds)
    freshness[ageSeconds] = Math.max(0, Math.floor((now - location.computedAt) / 1000));
  if (cacheHit) freshness[cacheHit] = true;
  if (source) freshness[source] = 'CACHE';
}

function objectAt(
  data: Record<string, unknown>,
  path: Array<string | number>,
): Record<string, unknown> | undefined {
  let value: unknown = data;
  for (const step of path) value = (value as Record<string | number, unknown> | null)?.[step];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function hashOf(extensions: Record<string, unknown> | undefined): string | undefined {
  const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  const hash = persisted?.sha256Hash;
  return typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** The persisted-query parts of a POST body or GET query string, or null. */
function persistedRequestOf(request: Request): PersistedRequest | null {
  if (request.method === 'POST') {
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
    const hash = hashOf(body.extensions as Record<string, unknown> | undefined);
    if (!hash) return null;
    return {
      hash,
      operationName: typeof body.operationName === 'string' ? body.operationName : null,
      variables: (body.variables as Record<string, unknown> | null | undefined) ?? null,
      hasQuery: typeof body.query === 'string',
    };
  }
  if (request.method === 'GET') {
    const query = request.query as Record<string, unknown>;
    if (typeof query.extensions !== 'string') return null;
    try {
      const hash = hashOf(JSON.parse(query.extensions));
      if (!hash) return null;
      const variables = typeof query.variables === 'string' ? JSON.parse(query.variables) : null;
      return {
        hash,
        operationName: typeof query.operationName === 'string' ? query.operationName : null,
        variables,
        hasQuery: typeof query.query === 'string',
      };
    } catch {
      return null;
    }
  }
  return null;
}
