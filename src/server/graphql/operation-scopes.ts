import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { hasScope } from '../../domain/api-key/api-key.service';
import type { ApiKeyScope } from '../../domain/api-key/api-key.entity';
import type { RequestContext } from '../../context/request-context';
import type { Principal } from '../../domain/api-key/api-key.service';

/** What an operation needs before any of its fields runs; `sync` includes `read`. */
const OPERATION_SCOPE: Record<'query' | 'mutation' | 'subscription', ApiKeyScope> = {
  query: 'read',
  mutation: 'sync',
  subscription: 'read',
};

/**
 * Scopes for every field, not only the top-level ones: a whole operation is refused (HTTP 403,
 * FORBIDDEN) unless the key holds its scope, so nothing nested in a mutation's result or a
 * query is readable without it. Admin-only fields keep their own `@Authorized('admin')`.
 */
export function operationScopesPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: { principal }, operation }) {
          // Apollo has refused a document without a resolvable operation before this hook.
          assertOperationScope(principal, operation?.operation ?? 'query');
        },
      };
    },
  };
}

/** Throws FORBIDDEN unless the key holds the scope an operation of this kind needs. */
export function assertOperationScope(
  principal: Principal,
  kind: 'query' | 'mutation' | 'subscription',
): void {
  const scope = OPERATION_SCOPE[kind];
  if (hasScope(principal, scope)) return;
  throw new GraphQLError(
    `The API key "${principal.name}" lacks the ${scope} scope needed for a ${kind}`,
    { extensions: { code: 'FORBIDDEN', requiredScopes: [scope], http: { status: 403 } } },
  );
}
