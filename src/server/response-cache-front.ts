import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { hasScope, type ApiKeyService } from '../domain/api-key/api-key.service';
import { CORS_EXPOSED_HEADERS, isAllowedOrigin } from './cors';
import {
  BoundedMap,
  hashOf,
  type PersistedRequest,
  type ResponseCache,
} from './graphql/response-cache';
import { requestIdFrom } from './observability/request-context';

/** Larger bodies are not a hash-only request: they go straight to the normal pipeline. */
const MAX_BODY_BYTES = 16 * 1024;
/** Request texts up to this length have their store key remembered. */
const MAX_MEMO_TEXT = 2048;
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

export type ResponseCacheFrontOptions = {
  responseCache: ResponseCache;
  apiKeys: Pick<ApiKeyService, 'cachedPrincipal'>;
  corsOrigins: readonly string[];
  /** Counts an answered hit for Prometheus (method, seconds), as the Express path would. */
  countHit: (method: 'GET' | 'POST', seconds: number) => void;
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The raw `http` request handler in front of Express: a persisted metric query (by hash alone)
 * that the response cache can answer is answered here, without Express, body-parser, Apollo or
 * the per-request logging, from one MGET. Everything else, and anything that is not a clean hit
 * (unknown key verdict, no entry, too old, a generation moved, Redis down), goes to `next`, the
 * Express app, unchanged: a body read here is put back into the request stream first.
 *
 * What the normal pipeline checks before Apollo is checked here too, in the same order: the
 * key (from the in-process verdict cache, which the `harmony-key-listener` notifications evict
 * at once on a revocation; an unknown verdict goes the normal way, which looks it up), its
 * GraphQL and `read` scopes, CORS headers, and Apollo's own request checks (CSRF for GET,
 * content types, `Accept`).
 */
export function answerResponseCacheHitsFirst(
  options: ResponseCacheFrontOptions,
  next: Handler,
): Handler {
  const { responseCache, apiKeys, corsOrigins, countHit } = options;
  // The store key of each recent request text (body or query string) and scopes: a dashboard
  // repeating its request is not parsed and hashed again. Null: not a hash-only request.
  const storeKeys = new BoundedMap<string, string | null>(512);
  const storeKeyOf = (
    text: string,
    scopes: readonly string[],
    parse: (text: string) => PersistedRequest | null,
  ): string | null => {
    const memo = text.length <= MAX_MEMO_TEXT ? `${scopes.join(',')}\n${text}` : null;
    const known = memo === null ? undefined : storeKeys.get(memo);
    if (known !== undefined) return known;
    const persisted = parse(text);
    const key = persisted ? responseCache.keyFor(persisted, scopes) : null;
    if (memo !== null) storeKeys.set(memo, key);
    return key;
  };

  const answer = async (
    request: IncomingMessage,
    response: ServerResponse,
    scopes: readonly string[],
    method: 'GET' | 'POST',
    started: number,
  ) => {
    let key: string | null;
    if (method === 'POST') {
      const body = await readBody(request, Number(request.headers['content-length']));
      if (body === null) return response.destroy();
      key = storeKeyOf(`P${body.toString('utf8')}`, scopes, (text) =>
        persistedFromBody(text.slice(1)),
      );
    } else {
      const search = request.url!.slice(request.url!.indexOf('?') + 1);
      key = storeKeyOf(`G${search}`, scopes, (text) => persistedFromSearch(text.slice(1)));
    }
    const hit = key === null ? null : await responseCache.hit(key);
    // The body is still in the request stream (readBody put it back): the app reads it again.
    if (hit === null) return next(request, response);
    response.writeHead(200, hitHeaders(request, corsOrigins));
    response.end(hit);
    countHit(method, (performance.now() - started) / 1000);
  };

  return (request, response) => {
    const started = performance.now();
    const method = candidateMethod(request);
    const principal = method ? principalOf(request, apiKeys) : undefined;
    if (!method || !principal) return next(request, response);
    answer(request, response, principal.scopes, method, started).catch(() => {
      // Only the response write can throw here (a closed socket): nothing left to answer.
      response.destroy();
    });
  };
}

/** POST or GET on exactly /graphql, shaped as Apollo accepts it without more checks; else null. */
function candidateMethod(request: IncomingMessage): 'GET' | 'POST' | null {
  const { headers } = request;
  const accept = headers.accept;
  if (accept && (accept.includes('graphql-response') || accept.includes('text/html'))) return null;
  if (accept && !accept.includes('application/json') && !accept.includes('*/*')) return null;
  if (request.method === 'POST') {
    if (request.url !== '/graphql') return null;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= MAX_BODY_BYTES) || headers['transfer-encoding']) return null;
    if (headers['content-encoding'] && headers['content-encoding'] !== 'identity') return null;
    return JSON_CONTENT_TYPE.test(headers['content-type'] ?? '') ? 'POST' : null;
  }
  if (request.method === 'GET') {
    if (!request.url!.startsWith('/graphql?')) return null;
    const contentType = headers['content-type'];
    if (contentType !== undefined) return JSON_CONTENT_TYPE.test(contentType) ? 'GET' : null;
    // Apollo's CSRF prevention: a GET without a content type must carry one of these.
    return headers['apollo-require-preflight'] || headers['x-apollo-operation-name'] ? 'GET' : null;
  }
  return null;
}

/** The key's principal when this process already trusts it for a GraphQL query; else null. */
function principalOf(request: IncomingMessage, apiKeys: ResponseCacheFrontOptions['apiKeys']) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) return null;
  const principal = apiKeys.cachedPrincipal(match[1]);
  // `read` is what a query needs, and every scope that grants it also opens GraphQL
  // (auth.ts GRAPHQL_SCOPES); an ingest-only key goes the normal way, to its 403.
  return principal && hasScope(principal, 'read') ? principal : null;
}

/**
 * The whole body (exactly `length` bytes), or null when the request failed. The bytes are read
 * and put back at once, so the stream still holds them for the normal pipeline (the `end`
 * event waits for them to be read again); a hit leaves them unread, and Node drops them.
 */
function readBody(request: IncomingMessage, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: Buffer | null) => {
      request.off('readable', onReadable);
      request.off('error', onError);
      request.off('end', onEnd);
      resolve(body);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < length && (chunk = request.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size < length) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      request.unshift(body);
      done(body);
    };
    // Fewer bytes than announced: the request is broken; the client is gone or lied.
    const onEnd = () => done(null);
    const onError = () => done(null);
    request.on('readable', onReadable);
    request.on('error', onError);
    request.on('end', onEnd);
  });
}

/** The persisted request of a POST body that Apollo would take as a hash-only query; else null. */
function persistedFromBody(body: string): PersistedRequest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isRecord(parsed) || parsed.query !== undefined) return null;
  return persistedOf(parsed.extensions, parsed.variables, parsed.operationName);
}

/** The same for a GET query string (Apollo reads it with URLSearchParams, JSON values). */
function persistedFromSearch(search: string): PersistedRequest | null {
  const params = new URLSearchParams(search);
  if (params.has('query')) return null;
  const json = (name: string): unknown => {
    const values = params.getAll(name);
    if (values.length > 1) throw new Error(`${name} given twice`);
    return values.length ? JSON.parse(values[0]) : undefined;
  };
  try {
    const operationNames = params.getAll('operationName');
    if (operationNames.length > 1) return null;
    return persistedOf(json('extensions'), json('variables'), operationNames[0]);
  } catch {
    return null;
  }
}

function persistedOf(
  extensions: unknown,
  variables: unknown,
  operationName: unknown,
): PersistedRequest | null {
  if (!isRecord(extensions)) return null;
  if (variables != null && !isRecord(variables)) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  const hash = hashOf(extensions);
  if (!hash) return null;
  return {
    hash,
    operationName: (operationName as string | undefined) ?? null,
    variables: (variables as Record<string, unknown> | undefined) ?? null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the Express path would have said on this answer: request id, CORS, the cache outcome. */
function hitHeaders(request: IncomingMessage, corsOrigins: readonly string[]): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'x-request-id': requestIdFrom(request.headers['x-request-id']),
    vary: 'Origin',
    'content-type': 'application/json; charset=utf-8',
    'x-harmony-response-cache': 'hit',
  };
  const origin = request.headers.origin;
  if (corsOrigins.length && isAllowedOrigin(origin, corsOrigins)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = CORS_EXPOSED_HEADERS;
  }
  return headers;
}
