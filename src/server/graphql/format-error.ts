import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { asServiceUnavailable } from '../../db/unavailable';
import { ERROR_CODES, HarmonyError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

/** Codes graphql-js and Apollo produce themselves; they pass through unchanged. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'QUERY_TOO_COMPLEX',
]);

/**
 * The one place errors become GraphQL errors: Harmony's own codes keep their message and details,
 * anything unexpected is logged with its cause and answered without internals.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = harmonyCause(unwrapResolverError(error));
    const original = asServiceUnavailable(unwrapped) ?? unwrapped;
    if (original instanceof HarmonyError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = String(formatted.extensions?.code ?? '');
    const tokenLimit = code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT.exec(formatted.message);
    if (tokenLimit) {
      return {
        message: `The document has more than ${tokenLimit[1]} tokens, the most one request may have; put bulk inputs in variables.`,
        extensions: { code: 'TOO_MANY_TOKENS', limit: Number(tokenLimit[1]) },
      };
    }
    if (CLIENT_CODES.has(code)) return formatted;
    // Without a path the error came from parsing, validating or coercing the request (a bad
    // variable value, say), never from our code: the client's mistake.
    if (!formatted.path && original instanceof GraphQLError) {
      return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** graphql-js's message when a document is over `parseOptions.maxTokens` ("more that" sic). */
const TOKEN_LIMIT = /Document contains more tha[nt] (\d+) tokens/;

/** A request refused before execution wraps our HarmonyError as its `originalError`. */
function harmonyCause(error: unknown): unknown {
  if (error instanceof GraphQLError && error.originalError instanceof HarmonyError) {
    return error.originalError;
  }
  return error;
}

/** Codes that mean "the request itself is wrong": HTTP 400. */
function isBadRequestCode(code: unknown): boolean {
  return (
    (typeof code === 'string' && ERROR_CODES[code as keyof typeof ERROR_CODES] === 400) ||
    code === 'GRAPHQL_VALIDATION_FAILED' ||
    code === 'GRAPHQL_PARSE_FAILED'
  );
}

/**
 * A response that answers nothing (no top-level field has a value) because of the client's
 * input gets HTTP 400, not 200: clients and proxies then see the mistake without reading the
 * body. Partial answers stay 200, as GraphQL over HTTP asks.
 */
export function badRequestStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== undefined || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.length || !errors.every((e) => isBadRequestCode(e.extensions?.code))) return;
          const answered = data != null && Object.values(data).some((value) => value != null);
          if (!answered) response.http.status = 400;
        },
      };
    },
  };
}
