import { GraphQLError, type GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type AuthChecker } from 'type-graphql';
import { hasScope } from '../../domain/api-key/api-key.service';
import type { ApiKeyScope } from '../../domain/api-key/api-key.entity';
import type { RequestContext } from '../../context/request-context';
import { resolvers } from './resolvers';

/**
 * Field scopes come from `@Authorized(scope)` (`sync` includes `read`, `admin` everything); a key
 * without one gets FORBIDDEN, naming the scope. Whole operations are gated in operation-scopes.ts.
 */
const authChecker: AuthChecker<RequestContext, ApiKeyScope> = ({ context, info }, scopes) => {
  if (scopes.some((scope) => hasScope(context.principal, scope))) return true;
  throw new GraphQLError(
    `The API key "${context.principal.name}" lacks the ${scopes.join(' or ')} scope needed for ${info.parentType.name}.${info.fieldName}`,
    { extensions: { code: 'FORBIDDEN', requiredScopes: scopes } },
  );
};

export function buildHarmonySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    // Every @Subscription brings its own `subscribe` (src/live); type-graphql still asks for a
    // topic-based PubSub, which nothing may use.
    pubSub: {
      publish: () => {
        throw new Error(
          'topic subscriptions are not used: give @Subscription a subscribe function',
        );
      },
      subscribe: () => {
        throw new Error(
          'topic subscriptions are not used: give @Subscription a subscribe function',
        );
      },
    },
  });
}
