import { GraphQLError, type GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type AuthChecker } from 'type-graphql';
import { hasScope } from '../../domain/api-key/api-key.service';
import type { ApiKeyScope } from '../../domain/api-key/api-key.entity';
import type { RequestContext } from '../../context/request-context';
import { noteResolverClasses } from '../../domain/shared/selected-columns';
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

/** type-graphql has no decorator for the root types' descriptions. */
const ROOT_DESCRIPTIONS = {
  Query:
    'Reads: entities, metrics and definitions. Needs a key with the read scope (or sync, admin).',
  Mutation:
    'Writes: idempotent upserts, soft deletes and definitions. Needs a key with the sync scope (or admin).',
  Subscription: 'Live updates over WebSocket (graphql-ws). Needs a key with the read scope.',
};

export async function buildHarmonySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
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
  // Nested lists read only the columns a selection asks for (domain/shared/selected-columns.ts).
  noteResolverClasses(schema, resolvers);
  for (const root of [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ]) {
    if (root && !root.description)
      root.description = ROOT_DESCRIPTIONS[root.name as keyof typeof ROOT_DESCRIPTIONS];
  }
  return schema;
}
