import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLError } from 'graphql';
import { asServiceUnavailable } from '../../db/unavailable';

/**
 * A GraphQL answer carrying SERVICE_UNAVAILABLE (database down, pool exhausted, no metric slot)
 * is sent as HTTP 503 with `Retry-After`, so clients and proxies retry it as they would any 503.
 * Apollo takes the status from an error's `extensions.http`, read before `formatError` runs.
 */
export function serviceUnavailableStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) markUnavailable(error);
        },
      };
    },
  };
}

function markUnavailable(error: GraphQLError): void {
  const unavailable = asServiceUnavailable(unwrapResolverError(error));
  if (!unavailable) return;
  const retryAfter = String(unavailable.details.retryAfterSeconds);
  (error.extensions as Record<string, unknown>).http = {
    status: 503,
    headers: new HeaderMap([['retry-after', retryAfter]]),
  };
}
