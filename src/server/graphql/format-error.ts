import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { asServiceUnavailable } from '../../db/unavailable';
import { HarmonyError } from '../../shared/errors';
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
    const original = asServiceUnavailable(unwrapResolverError(error)) ?? unwrapResolverError(error);
    if (original instanceof HarmonyError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = String(formatted.extensions?.code ?? '');
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
